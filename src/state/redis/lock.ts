import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { acquireWhenFree, RedisLease } from "./lease.js";

export interface RedisLockOptions {
  /** The longest pause between a waiter's tries (default 100 ms). */
  pollMs?: number;
  /** How long a waiter waits in all before it gives up; by default the TTL and 5 s (a dead holder's lock expires within the TTL). */
  waitMs?: number;
}

/** Another process held the lock for longer than a waiter waits. */
export class LockTimeoutError extends Error {
  override name = "LockTimeoutError";
}

/**
 * Runs `work` while holding `lock:<name>` across every process on this Redis: a lease (`SET NX
 * PX`, fenced) taken when free, released with a compare-and-delete. The TTL frees the lock of a
 * holder that died; `work` should end well within it.
 */
export async function withRedisLock<T>(redis: Redis, name: string, ttlMs: number, work: () => Promise<T>, options: RedisLockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? ttlMs + 5000;
  const lease = new RedisLease(redis, `lock:${name}`, randomBytes(12).toString("hex"), ttlMs);
  const hold = await acquireWhenFree(lease, {
    waitMs,
    maxPollMs: options.pollMs ?? 100,
    busy: () => new LockTimeoutError(`the lock ${name} is held by another process (waited ${waitMs} ms)`),
  });
  try {
    return await work();
  } finally {
    await lease.release(hold).catch(() => undefined);
  }
}
