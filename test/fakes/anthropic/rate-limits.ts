/**
 * Per-credential rate limits of the fake Anthropic API: requests and tokens per window, with the
 * `anthropic-ratelimit-*` headers the real API sends (the subscription `unified` headers for
 * OAuth and setup-token credentials: `sk-ant-oat…`, or a call with the OAuth beta).
 *
 * The real API replenishes continuously (a token bucket); the fake uses a fixed window per
 * credential instead, which starts with the credential's first call after the previous window
 * ended and lasts `windowMs` (60 s unless set; tests use a few seconds). Reported resets are that
 * window's end, rounded up to the whole second as the real headers are. A call is refused (429)
 * when a limit has nothing left, or when its input tokens exceed what is left; a refused call
 * uses nothing. A call's input tokens count when it is admitted, its output tokens when the reply
 * is known; the combined `tokens` limit counts both.
 */

export interface FakeRateLimits {
  /** Requests per window. */
  requests?: number;
  /** Input plus output tokens per window. */
  tokens?: number;
  /** Input tokens per window (headers sent only when set). */
  inputTokens?: number;
  /** Output tokens per window (headers sent only when set). */
  outputTokens?: number;
  /** Window length in ms; default 60 000. */
  windowMs?: number;
}

/** Large enough that no test meets them unless it sets its own. */
export const DEFAULT_FAKE_RATE_LIMITS = { requests: 4_000, tokens: 4_000_000, windowMs: 60_000 } as const;

const KINDS = [
  ["requests", "requests"],
  ["tokens", "tokens"],
  ["inputTokens", "input-tokens"],
  ["outputTokens", "output-tokens"],
] as const;
type Kind = (typeof KINDS)[number][0];

interface KeyWindow {
  start: number;
  used: Record<Kind, number>;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/** RFC 3339 without fractions, rounded up so a client never waits too little. */
function rfc3339(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class FakeRateLimiter {
  private defaults: FakeRateLimits = {};
  private readonly perKey = new Map<string, FakeRateLimits>();
  private readonly windows = new Map<string, KeyWindow>();

  constructor(private readonly now: () => number) {}

  /** Limits for one credential, or (credential undefined) for every credential without its own. */
  set(credential: string | undefined, limits: FakeRateLimits): void {
    if (credential === undefined) this.defaults = { ...limits };
    else this.perKey.set(credential, { ...limits });
    if (credential === undefined) this.windows.clear();
    else this.windows.delete(credential);
  }

  reset(): void {
    this.defaults = {};
    this.perKey.clear();
    this.windows.clear();
  }

  private limits(credential: string): FakeRateLimits & { requests: number; tokens: number; windowMs: number } {
    return { ...DEFAULT_FAKE_RATE_LIMITS, ...this.defaults, ...this.perKey.get(credential) };
  }

  /** The credential's current window; `open` starts one when there is none running. */
  private window(credential: string, open: boolean): KeyWindow | undefined {
    const current = this.windows.get(credential);
    const { windowMs } = this.limits(credential);
    if (current && this.now() < current.start + windowMs) return current;
    if (!open) return undefined;
    const fresh: KeyWindow = { start: this.now(), used: { requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 } };
    this.windows.set(credential, fresh);
    return fresh;
  }

  private resetAt(credential: string): number {
    const window = this.window(credential, false);
    return (window?.start ?? this.now()) + this.limits(credential).windowMs;
  }

  private remaining(credential: string, kind: Kind): number | undefined {
    const limit = this.limits(credential)[kind];
    if (limit === undefined) return undefined;
    return Math.max(0, limit - (this.window(credential, false)?.used[kind] ?? 0));
  }

  /** Admit a call of `inputTokens` (and count it), or say how long until the window resets. */
  admit(credential: string, inputTokens: number): Admission {
    const window = this.window(credential, true)!;
    const refused = KINDS.some(([kind]) => {
      const left = this.remaining(credential, kind);
      if (left === undefined) return false;
      if (kind === "requests" || kind === "outputTokens") return left < 1;
      return left < Math.max(1, inputTokens);
    });
    if (refused) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((this.resetAt(credential) - this.now()) / 1000)) };
    window.used.requests += 1;
    window.used.tokens += inputTokens;
    window.used.inputTokens += inputTokens;
    return { admitted: true };
  }

  /** Count a reply's output tokens. */
  chargeOutput(credential: string, outputTokens: number): void {
    const window = this.window(credential, false);
    if (!window) return;
    window.used.tokens += outputTokens;
    window.used.outputTokens += outputTokens;
  }

  /** The rate-limit headers of a response to `credential` (`bearer`: a subscription credential, the unified headers). */
  headers(credential: string, bearer: boolean): Record<string, string> {
    return bearer ? this.unifiedHeaders(credential) : this.apiKeyHeaders(credential);
  }

  private apiKeyHeaders(credential: string): Record<string, string> {
    const limits = this.limits(credential);
    const reset = rfc3339(this.resetAt(credential));
    const out: Record<string, string> = {};
    for (const [kind, name] of KINDS) {
      const limit = limits[kind];
      if (limit === undefined) continue;
      out[`anthropic-ratelimit-${name}-limit`] = String(limit);
      out[`anthropic-ratelimit-${name}-remaining`] = String(this.remaining(credential, kind));
      out[`anthropic-ratelimit-${name}-reset`] = reset;
    }
    return out;
  }

  private unifiedHeaders(credential: string, rejected = false): Record<string, string> {
    const limits = this.limits(credential);
    let utilization = 0;
    for (const [kind] of KINDS) {
      const limit = limits[kind];
      if (limit) utilization = Math.max(utilization, (limit - (this.remaining(credential, kind) ?? limit)) / limit);
    }
    const status = rejected ? "rejected" : utilization >= 0.8 ? "allowed_warning" : "allowed";
    const reset = String(Math.ceil(this.resetAt(credential) / 1000));
    return {
      "anthropic-ratelimit-unified-status": status,
      "anthropic-ratelimit-unified-reset": reset,
      "anthropic-ratelimit-unified-representative-claim": "five_hour",
      "anthropic-ratelimit-unified-5h-status": status,
      "anthropic-ratelimit-unified-5h-reset": reset,
      "anthropic-ratelimit-unified-5h-utilization": utilization.toFixed(4),
    };
  }

  /** Headers of a 429 from the limits: what is exhausted, until the window ends. */
  refusedHeaders(credential: string, bearer: boolean): Record<string, string> {
    return bearer ? this.unifiedHeaders(credential, true) : this.apiKeyHeaders(credential);
  }

  /**
   * Headers of a scripted 429 (not from the limits): the requests limit (or, for a subscription
   * credential, the subscription) reported exhausted until `retryAfterSeconds` from now, or until
   * the window ends when the step gives none.
   */
  scriptedRefusalHeaders(credential: string, bearer: boolean, retryAfterSeconds: number | undefined): Record<string, string> {
    const until = retryAfterSeconds === undefined ? this.resetAt(credential) : this.now() + retryAfterSeconds * 1000;
    if (bearer) {
      const reset = String(Math.ceil(until / 1000));
      return {
        ...this.unifiedHeaders(credential, true),
        "anthropic-ratelimit-unified-reset": reset,
        "anthropic-ratelimit-unified-5h-reset": reset,
      };
    }
    return {
      ...this.apiKeyHeaders(credential),
      "anthropic-ratelimit-requests-remaining": "0",
      // to the millisecond (RFC 3339 allows fractions), so it says exactly what retry-after says
      "anthropic-ratelimit-requests-reset": new Date(until).toISOString(),
    };
  }
}
