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
      const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : "";
      write(redactSecrets(`${new Date().toISOString()} ${level.toUpperCase()}${scope ? ` [${scope}]` : ""} ${msg}${extra}`) + "\n");
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
