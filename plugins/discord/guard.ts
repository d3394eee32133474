import type { Logger } from "../../src/plugin-api.js";
import { errorText } from "./errors.js";

/**
 * An event listener that cannot throw or leave a rejected promise behind: whatever `handler`
 * throws, synchronously or later, is logged as `discord: <what> failed`. Every listener the
 * plugin gives discord.js goes through this, so no gateway payload can reach the process's
 * last-resort handlers.
 *
 * @example client.on(Events.MessageCreate, guarded(log, "message", (m) => onMessage(m)));
 */
export function guarded<A extends unknown[]>(log: Logger, what: string, handler: (...args: A) => unknown): (...args: A) => void {
  const report = (error: unknown) => {
    try {
      log.error(`discord: ${what} failed`, { error: errorText(error) });
    } catch {
      // a logger that throws has nowhere left to report to
    }
  };
  return (...args) => {
    try {
      const result = handler(...args);
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  };
}
