import type { Redis } from "ioredis";
import { acquireWhenFree, RedisLease } from "./lease.js";

/**
 * One run at a time per session across processes: a fenced lease on
 * `lease:session:<agentId>:<key>`, renewed while the run lasts. A second process (a standby
 * that took a channel over, `baton agent --session`) waits for it instead of answering the
 * same conversation at the same time.
 */
export async function acquireSessionRun(
  redis: Redis,
  owner: string,
  agentId: string,
  sessionKey: string,
  options: { ttlMs?: number; waitMs?: number; signal?: AbortSignal } = {},
): Promise<() => Promise<void>> {
  const ttlMs = options.ttlMs ?? 10_000;
  const lease = new RedisLease(redis, `lease:session:${agentId}:${sessionKey}`, owner, ttlMs);
  const hold = await acquireWhenFree(lease, { waitMs: options.waitMs ?? 60_000, maxPollMs: 500, busy: () => new SessionBusyError(sessionKey), signal: options.signal });
  const renew = setInterval(() => void lease.renew(hold).catch(() => undefined), Math.floor(ttlMs / 3));
  renew.unref?.();
  return async () => {
    clearInterval(renew);
    await lease.release(hold).catch(() => undefined);
  };
}

/** Another process has been running a turn of this session for longer than the wait allows. */
export class SessionBusyError extends Error {
  override name = "SessionBusyError";
  constructor(readonly sessionKey: string) {
    super(`session ${sessionKey} is busy in another gateway or command; try again in a moment`);
  }
}
