/**
 * The shared state backend cannot be reached (Redis down, paused or partitioned away). Nothing
 * was read or written; the operation is worth trying again later. Chat users are told the bot is
 * temporarily unavailable, never shown the cause.
 */
export class StateUnavailableError extends Error {
  override name = "StateUnavailableError";
  constructor(cause: unknown) {
    super(`state backend unreachable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Errors of a client that could not reach its server, as opposed to errors of the request itself. */
export function isConnectionFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  return (
    /Command timed out|Stream isn't writeable|Connection is closed|connect ECONNREFUSED|not reachable|Redis connection closed/i.test(message) ||
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "ETIMEDOUT"
  );
}
