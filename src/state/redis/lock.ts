import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/** Deletes the lock only while it still holds this holder's token (a lock that expired and was taken by another stays). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisLockOptions {
  /** How often a waiter asks again. */
  pollMs?: number;
  /** How long a waiter waits in all before it gives up; by default the TTL and 5 s (a dead holder's lock expires within the TTL). */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Another process held the lock for longer than a waiter waits. */
export class LockTimeoutError extends Error {
  override name = "LockTimeoutError";
}

/**
 * Runs `work` while holding `lock:<name>` across every process on this Redis: `SET NX PX` with
 * a random token, polled while another holds it, released with a compare-and-delete. The TTL
 * frees the lock of a holder that died; `work` should end well within it.
 */
export async function withRedisLock<T>(redis: Redis, name: string, ttlMs: number, work: () => Promise<T>, options: RedisLockOptions = {}): Promise<T> {
  const key = `lock:${name}`;
  const token = randomBytes(12).toString("hex");
  const pollMs = options.pollMs ?? 100;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (options.waitMs ?? ttlMs + 5000);
  while ((await redis.set(key, token, "PX", ttlMs, "NX")) !== "OK") {
    if (Date.now() >= deadline) throw new LockTimeoutError(`the lock ${name} is held by another process (waited ${options.waitMs ?? ttlMs + 5000} ms)`);
    await sleep(pollMs);
  }
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
