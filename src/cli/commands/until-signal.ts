/**
 * Resolves on SIGTERM or SIGINT (or `also`). Listeners are added with `on`, not `once`, and left in
 * place: signal-exit (pulled in by proper-lockfile) re-raises a signal when it believes nobody else
 * handles it, which would kill the process before a clean stop finishes.
 */
export function untilSignal(also?: (resolve: () => void) => void): Promise<string> {
  return new Promise((resolve) => {
    process.on("SIGTERM", () => resolve("SIGTERM"));
    process.on("SIGINT", () => resolve("SIGINT"));
    also?.(() => resolve("end"));
  });
}

/** After a clean stop, make sure lingering handles (keep-alive sockets, timers) cannot keep the process up. */
export function exitSoon(code: number, graceMs = 2000): void {
  setTimeout(() => process.exit(code), graceMs).unref();
}
