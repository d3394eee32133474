import type { ChannelLogger, Logger } from "../plugin-api.js";
import { describeThrown, stringifyFields } from "./log.js";
import { redactKnown } from "./redact.js";

/** A field value with the secrets masked: strings and Error messages as text, other values through their JSON when it holds one. */
function maskValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactKnown(value, secrets);
  if (value instanceof Error) return redactKnown(describeThrown(value), secrets);
  if (value !== null && typeof value === "object") {
    const json = stringifyFields({ value }).slice('{"value":'.length, -1);
    const masked = redactKnown(json, secrets);
    return masked === json ? value : masked;
  }
  return value;
}

/**
 * Wraps `log` so the given secrets never reach it whole: each occurrence in the message, in a
 * field's text or in an Error's message shows masked (`123456:A…wxyz`). Never throws.
 *
 * @example
 * const log = maskingLogger(ctx.log, [token]);
 * log.warn("request failed", { url: `https://api.example/bot${token}/getMe` }); // the url shows the token masked
 */
export function maskingLogger(log: Logger, secrets: readonly (string | undefined)[] = []): ChannelLogger {
  const known = secrets.filter((s): s is string => typeof s === "string" && s !== "");
  const at =
    (level: keyof Logger) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      try {
        if (known.length === 0) return log[level](msg, fields);
        const clean = fields && Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, maskValue(value, known)]));
        log[level](redactKnown(String(msg), known), clean);
      } catch {
        // a log line must never take down the handler that logs
      }
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    withSecrets: (...more) => maskingLogger(log, [...known, ...more]),
  };
}
