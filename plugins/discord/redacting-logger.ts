import { type Logger, maskSecret } from "../../src/plugin-api.js";

/** `text` with every occurrence of `secret` replaced by its masked form. */
export function redactSecret(text: string, secret: string): string {
  return text.split(secret).join(maskSecret(secret));
}

function redact(value: unknown, secret: string, masked: string): unknown {
  if (typeof value === "string") return value.split(secret).join(masked);
  if (value instanceof Error) return redact(value.message, secret, masked);
  return value;
}

/**
 * Wraps a logger so the bot token never reaches it whole: every occurrence in the message
 * or in a field's text is replaced by its masked form.
 */
export function redactingLogger(log: Logger, token: string): Logger {
  const masked = maskSecret(token);
  const clean = (fields?: Record<string, unknown>) =>
    fields && Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, redact(value, token, masked)]));
  return {
    debug: (msg, fields) => log.debug(redact(msg, token, masked) as string, clean(fields)),
    info: (msg, fields) => log.info(redact(msg, token, masked) as string, clean(fields)),
    warn: (msg, fields) => log.warn(redact(msg, token, masked) as string, clean(fields)),
    error: (msg, fields) => log.error(redact(msg, token, masked) as string, clean(fields)),
  };
}
