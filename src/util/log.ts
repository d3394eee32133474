import type { Logger } from "../plugin-api.js";
import { redactSecrets } from "./redact.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A line logger to stderr (or a given sink). Field values that look like secrets are masked. */
export function createLogger(options: { level?: LogLevel; scope?: string; write?: (line: string) => void } = {}): Logger & { child(scope: string): Logger } {
  const threshold = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const make = (scope?: string): Logger & { child(scope: string): Logger } => {
    const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (ORDER[level] < threshold) return;
      try {
        const extra = fields && Object.keys(fields).length ? ` ${stringifyFields(fields)}` : "";
        write(redactSecrets(`${new Date().toISOString()} ${level.toUpperCase()}${scope ? ` [${scope}]` : ""} ${String(msg)}${extra}`) + "\n");
      } catch {
        // a log line must never take the caller down (a closed stderr, a field whose getter throws)
      }
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (child) => make(scope ? `${scope}:${child}` : child),
    };
  };
  return make(options.scope);
}

/** JSON of log fields that never throws: errors as their message, bigints as text, cycles cut. */
export function stringifyFields(fields: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(fields, (_key, value: unknown) => {
      if (typeof value === "bigint") return value.toString();
      if (value instanceof Error) return value.message;
      if (value && typeof value === "object") {
        if (seen.has(value)) return "[circular]";
        seen.add(value);
      }
      return value;
    });
  } catch (err) {
    return JSON.stringify({ unprintable: err instanceof Error ? err.message : "fields" });
  }
}

/** A one-line description of anything thrown, for logs; never throws. */
export function describeThrown(err: unknown): string {
  try {
    if (err instanceof Error) return err.message || err.name;
    if (typeof err === "string") return err;
    return stringifyFields({ thrown: err }).slice(0, 500);
  } catch {
    return "(unprintable error)";
  }
}
