import { createHash } from "node:crypto";

export interface WindowLimit {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export interface WindowState {
  limit: number;
  remaining: number;
  /** Epoch ms at which the window resets. */
  resetAt: number;
  /** The request went over the limit. */
  exceeded: boolean;
}

/**
 * Fixed windows keyed by bucket, as Discord's REST buckets behave: the window opens with
 * the first request and resets `windowMs` later.
 */
export class WindowCounter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(readonly config: WindowLimit) {}

  hit(key: string, now = Date.now()): WindowState {
    let window = this.#windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { count: 0, resetAt: now + this.config.windowMs };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return {
      limit: this.config.limit,
      remaining: Math.max(0, this.config.limit - window.count),
      resetAt: window.resetAt,
      exceeded: window.count > this.config.limit,
    };
  }
}

/** A short stable bucket hash per route template, like Discord's opaque `X-RateLimit-Bucket`. */
export function bucketHash(routeTemplate: string): string {
  return createHash("sha1").update(routeTemplate).digest("hex").slice(0, 16);
}

/** The `X-RateLimit-*` headers Discord sends with every REST response. */
export function rateLimitHeaders(state: WindowState, bucket: string, now = Date.now()): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(state.limit),
    "X-RateLimit-Remaining": String(state.remaining),
    "X-RateLimit-Reset": (state.resetAt / 1000).toFixed(3),
    "X-RateLimit-Reset-After": (Math.max(0, state.resetAt - now) / 1000).toFixed(3),
    "X-RateLimit-Bucket": bucket,
  };
}
