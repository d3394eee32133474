import type { Logger } from "../plugin-api.js";
import { describeThrown } from "./log.js";

/**
 * The gateway's last-resort policy (docs/OPERATIONS.md). Every handler and background task has
 * its own error boundary, so reaching these is a bug, logged with what is known:
 * - an unhandled promise rejection is logged and the gateway keeps serving: it ended one
 *   operation, and exiting would let one peer's odd input take the bot down for every chat;
 * - an uncaught exception is logged and `onFatal` runs (a clean stop, exit 1), because the
 *   process may be in a state nobody planned for; the service manager restarts it.
 */
export function installLastResortHandlers(log: Logger, onFatal: (error: unknown) => void): () => void {
  const onRejection = (reason: unknown) => log.error("unhandled promise rejection (kept running)", { error: describeThrown(reason), stack: stackOf(reason) });
  const onException = (error: unknown) => {
    log.error("uncaught exception; stopping for the service manager to restart", { error: describeThrown(error), stack: stackOf(error) });
    onFatal(error);
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}

function stackOf(err: unknown): string | undefined {
  try {
    return err instanceof Error ? err.stack?.split("\n").slice(0, 6).join(" | ") : undefined;
  } catch {
    return undefined;
  }
}
