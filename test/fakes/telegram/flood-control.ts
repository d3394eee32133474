/**
 * The fake's flood control: token buckets per chat, per group and globally, shaped
 * like Telegram's published limits (about 1 message/s per chat with a short burst,
 * 20 messages/min per group, 30 messages/s overall). Pure: the clock is passed in.
 */

export interface RateLimit {
  /** Messages allowed per interval (the sustained rate). */
  limit: number;
  intervalMs: number;
  /** Bucket size: how many may go at once after a quiet period; defaults to `limit`. */
  burst?: number;
}

export interface FloodLimits {
  /** false disables that limit. */
  perChat: RateLimit | false;
  perGroup: RateLimit | false;
  global: RateLimit | false;
}

export const TELEGRAM_FLOOD_LIMITS: FloodLimits = {
  perChat: { limit: 1, intervalMs: 1000, burst: 3 },
  perGroup: { limit: 20, intervalMs: 60_000, burst: 20 },
  global: { limit: 30, intervalMs: 1000, burst: 30 },
};

class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(limit: RateLimit, now: number) {
    this.capacity = limit.burst ?? limit.limit;
    this.perMs = limit.limit / limit.intervalMs;
    this.tokens = this.capacity;
    this.updatedAt = now;
  }

  /** Milliseconds until one token is available (0 when one is available now). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }
}

export type FloodVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class FloodControl {
  private readonly chats = new Map<number, TokenBucket>();
  private readonly groups = new Map<number, TokenBucket>();
  private globalBucket?: TokenBucket;

  constructor(readonly limits: FloodLimits) {}

  /**
   * Checks every applicable bucket; consumes one token from each only when all allow it,
   * otherwise reports Telegram's `retry_after` (whole seconds, at least 1).
   */
  tryConsume(chatId: number, isGroup: boolean, now: number): FloodVerdict {
    const buckets: TokenBucket[] = [];
    if (this.limits.perChat) buckets.push(bucketFor(this.chats, chatId, this.limits.perChat, now));
    if (isGroup && this.limits.perGroup) buckets.push(bucketFor(this.groups, chatId, this.limits.perGroup, now));
    if (this.limits.global) {
      this.globalBucket ??= new TokenBucket(this.limits.global, now);
      buckets.push(this.globalBucket);
    }
    const waitMs = Math.max(0, ...buckets.map((b) => b.waitMs(now)));
    if (waitMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    for (const b of buckets) b.take(now);
    return { allowed: true };
  }
}

function bucketFor(map: Map<number, TokenBucket>, key: number, limit: RateLimit, now: number): TokenBucket {
  let bucket = map.get(key);
  if (!bucket) {
    bucket = new TokenBucket(limit, now);
    map.set(key, bucket);
  }
  return bucket;
}
