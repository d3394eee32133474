import type { Redis } from "ioredis";

/**
 * A lease on one role (a channel connection, a session run) in Redis: `SET NX PX` with a
 * fencing token from a counter that only grows, renewed while held. The value is
 * `<fence>:<owner>`, so renew and release touch the lease only while it is still ours.
 */

const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return nil end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence .. ':' .. ARGV[1], 'PX', ARGV[2])
return fence`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface LeaseHold {
  fence: number;
  /** What Redis holds while this lease is ours. */
  value: string;
}

export class RedisLease {
  constructor(
    private readonly redis: Redis,
    /** Without the client's key prefix, e.g. `lease:channel:telegram:<hash>`. */
    readonly key: string,
    readonly owner: string,
    readonly ttlMs: number,
  ) {}

  /** The hold when the lease was free, else undefined. */
  async acquire(): Promise<LeaseHold | undefined> {
    const fence = (await this.redis.eval(ACQUIRE, 2, this.key, `${this.key}:fence`, this.owner, String(this.ttlMs))) as number | null;
    return fence === null ? undefined : { fence, value: `${fence}:${this.owner}` };
  }

  /** True when the lease was still ours and now lasts another TTL. */
  async renew(hold: LeaseHold): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, hold.value, String(this.ttlMs))) === 1;
  }

  async release(hold: LeaseHold): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, hold.value);
  }

  /** The current holder's `<fence>:<owner>`, if any. */
  holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}

/**
 * Waits until `lease` is free and takes it, asking again after a pause that doubles from 25 ms
 * to `maxPollMs`; throws `busy()` once `waitMs` has passed, or when `signal` aborts.
 */
export async function acquireWhenFree(
  lease: RedisLease,
  options: { waitMs: number; maxPollMs: number; busy: () => Error; signal?: AbortSignal },
): Promise<LeaseHold> {
  const deadline = Date.now() + options.waitMs;
  for (let pause = 25; ; pause = Math.min(pause * 2, options.maxPollMs)) {
    const hold = await lease.acquire();
    if (hold) return hold;
    if (options.signal?.aborted) throw new Error("stopped while waiting for a lease");
    if (Date.now() >= deadline) throw options.busy();
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

export interface LeaseKeeperEvents {
  /** The role is ours: start it. */
  acquired(hold: LeaseHold): void;
  /** The role is no longer certainly ours (renewal refused or not confirmed in time): stop it now. */
  lost(reason: string): void;
  /** An attempt found the lease held by someone else. */
  standby?(): void;
  /** A Redis error while trying (logged by the owner; the keeper keeps trying). */
  error?(err: unknown): void;
}

/**
 * Keeps trying to hold a lease and renews it while held. A holder that cannot confirm a renewal
 * within `ttl - margin` of its last confirmed one gives the role up before the lease can pass to
 * a standby, so two holders never act at once (given clocks that run at the same rate).
 */
export class LeaseKeeper {
  private hold: LeaseHold | undefined;
  private confirmedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Fires when the hold can no longer be assumed, even while a renewal is still waiting on Redis. */
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  /** How often a standby asks: a free lease is taken within this of its expiry. */
  private readonly standbyIntervalMs: number;
  private readonly marginMs: number;

  constructor(
    private readonly lease: RedisLease,
    private readonly events: LeaseKeeperEvents,
    options: { intervalMs?: number; standbyIntervalMs?: number; marginMs?: number } = {},
  ) {
    this.intervalMs = options.intervalMs ?? Math.max(50, Math.floor(lease.ttlMs / 3));
    this.standbyIntervalMs = options.standbyIntervalMs ?? Math.min(this.intervalMs, 250);
    this.marginMs = options.marginMs ?? Math.max(50, Math.floor(lease.ttlMs / 5));
  }

  get held(): LeaseHold | undefined {
    return this.hold;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops trying; releases the lease when held so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    const hold = this.hold;
    this.hold = undefined;
    if (hold) await this.lease.release(hold).catch(() => {});
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const startedAt = Date.now();
    try {
      if (this.hold) {
        const renewed = await this.lease.renew(this.hold);
        if (this.stopped) return;
        if (renewed) this.confirm(startedAt);
        else this.lose("lease taken over");
      } else {
        const hold = await this.lease.acquire();
        if (this.stopped) {
          if (hold) await this.lease.release(hold).catch(() => {});
          return;
        }
        if (hold) {
          this.hold = hold;
          this.confirm(startedAt);
          this.events.acquired(hold);
        } else this.events.standby?.();
      }
    } catch (err) {
      this.events.error?.(err);
    }
    if (this.hold && Date.now() - this.confirmedAt > this.lease.ttlMs - this.marginMs) this.lose("lease renewal not confirmed in time");
    if (!this.stopped) {
      const wait = this.hold ? Math.max(0, Math.min(this.intervalMs, this.confirmedAt + this.lease.ttlMs - this.marginMs - Date.now())) : this.standbyIntervalMs;
      this.timer = setTimeout(() => void this.tick(), wait);
      this.timer.unref?.();
    }
  }

  private confirm(at: number): void {
    this.confirmedAt = at;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.lose("lease renewal not confirmed in time"), Math.max(0, at + this.lease.ttlMs - this.marginMs - Date.now()));
    this.watchdog.unref?.();
  }

  private lose(reason: string): void {
    clearTimeout(this.watchdog);
    if (!this.hold) return;
    this.hold = undefined;
    this.events.lost(reason);
  }
}
