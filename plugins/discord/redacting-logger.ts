import { type Logger, maskSecret } from "../../src/plugin-api.js";
import { errorText } from "./errors.js";

/** `text` with every occurrence of `secret` replaced by its masked form. */
export function redactSecret(text: string, secret: string): string {
  return text.split(secret).join(maskSecret(secret));
}

function redact(value: unknown, secret: string, masked: string): unknown {
  if (typeof value === "string") return value.split(secret).join(masked);
  if (value instanceof Error) return redact(errorText(value), secret, masked);
  return value;
}

/**
 * Wraps a logger so the bot token never reaches it whole: every occurrence in the message
 * or in a field's text is replaced by its masked form. Never throws, whatever the fields hold.
 */
export function redactingLogger(log: Logger, token: string): Logger {
  const masked = maskSecret(token);
  const clean = (fields?: Record<string, unknown>) =>
    fields && Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, redact(value, token, masked)]));
  const at =
    (level: keyof Logger) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      try {
        log[level](redact(msg, token, masked) as string, clean(fields));
      } catch {
        // logging must not take down the handler that logs
      }
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
