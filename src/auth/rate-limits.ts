/**
 * Provider rate limits as the responses report them, and what they mean for routing (DESIGN §9).
 * Pure: no I/O, no timers; the clock is passed in.
 *
 * - {@link parseRateLimitHeaders} reads Anthropic's `anthropic-ratelimit-{requests,tokens,
 *   input-tokens,output-tokens}-{limit,remaining,reset}` (RFC 3339 resets), the subscription
 *   headers `anthropic-ratelimit-unified-status|reset|representative-claim` and
 *   `anthropic-ratelimit-unified-<window>-status|reset|utilization` (epoch-second resets), and
 *   `retry-after`. Missing or garbled values are left out, never guessed. Subscription status is
 *   `allowed`, `allowed_warning` or `rejected`; a window is spent when `rejected` or at
 *   utilization 1 (not the `overage` window: extra usage refused does not stop the plan's calls).
 * - {@link decideHeadroom} decides whether a (profile, model) may take one more call:
 *   `exhausted` when a reported limit has nothing left (until its reset), `busy` when calls in
 *   flight hold what remains, `open` otherwise. A (profile, model) that has never answered gets
 *   one call at a time until its first response starts and says how much it has (at most
 *   {@link FIRST_CALL_HOLD_MS}); meanwhile calls go to the next profile, or wait.
 * - {@link RateLimitTracker} keeps that state per (profile, model) for one agent process.
 *
 * In-flight estimate (kept simple and conservative): a call counts as one request, its prompt as
 * characters / 4 (plus {@link IMAGE_TOKENS} per image) input tokens and its `max_tokens` as output
 * tokens; against the combined `tokens` limit both count. Anthropic itself reserves `max_tokens`
 * against the output limit when a call starts. A response's `remaining` may already include calls
 * still in flight here; they are subtracted again, which errs on the side of no 429 and corrects
 * itself as the calls finish (each newer response reports the newer figure).
 */
import type { ChatTurnMessage, RateLimitSnapshot, RateLimitWindow, UnifiedRateLimit, UnifiedRateLimitWindow } from "../providers/types.js";
import type { ProfileAvailability } from "./order.js";

/** Headers as fetch gives them, or a plain record (any key case). */
export type RateLimitHeaderSource =
  | { get(name: string): string | null; forEach(callback: (value: string, name: string) => void): void }
  | Record<string, string | string[] | undefined>;

/** How long a limit whose reset was not reported is taken to last (Anthropic's limits are per minute). */
export const UNREPORTED_RESET_MS = 60_000;
/** A call in flight longer than this is forgotten (its end was never reported). */
export const IN_FLIGHT_TTL_MS = 10 * 60_000;
/**
 * How long the first call of a (profile, model) never heard from holds the others back: its
 * response headers (which arrive when the reply starts) say how much is left. A first call that
 * has not answered by then is not waited for.
 */
export const FIRST_CALL_HOLD_MS = 2_000;
/** Input tokens counted for an image in an in-flight estimate (about a 1,000 × 1,000 px image). */
export const IMAGE_TOKENS = 1_600;

const LIMIT_KINDS = [
  ["requests", "requests"],
  ["tokens", "tokens"],
  ["inputTokens", "input-tokens"],
  ["outputTokens", "output-tokens"],
] as const;
const UNIFIED_WINDOW = /^anthropic-ratelimit-unified-([a-z0-9_]{1,32})-(status|reset|utilization)$/;
const MAX_UNIFIED_WINDOWS = 16;
const MAX_HEADER_VALUE = 200;

function headerMap(headers: RateLimitHeaderSource): Map<string, string> {
  const out = new Map<string, string>();
  const add = (name: string, value: unknown) => {
    const text = Array.isArray(value) ? value.join(", ") : value;
    if (typeof text === "string" && text.length <= MAX_HEADER_VALUE) out.set(name.toLowerCase(), text.trim());
  };
  if (typeof (headers as { forEach?: unknown }).forEach === "function" && typeof (headers as { get?: unknown }).get === "function") {
    (headers as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => add(name, value));
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) add(name, value);
  }
  return out;
}

/** A non-negative finite number written in decimal, else undefined. */
export function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A reset time in ms since epoch: RFC 3339 (`2026-01-01T00:00:20Z`), or epoch seconds (the
 * unified headers; a value above 1e11 is taken as milliseconds). Undefined for anything else.
 */
export function parseResetTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const numeric = parseCount(value);
  if (numeric !== undefined) return numeric > 1e11 ? Math.round(numeric) : Math.round(numeric * 1000);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in ms. */
export function parseRetryAfterHeader(headers: Map<string, string>, now: number): number | undefined {
  const ms = parseCount(headers.get("retry-after-ms"));
  if (ms !== undefined) return Math.round(ms);
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = parseCount(value);
  if (seconds !== undefined) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) && /[a-z]/i.test(value) ? Math.max(0, date - now) : undefined;
}

function limitWindow(headers: Map<string, string>, kind: string): RateLimitWindow | undefined {
  const window: RateLimitWindow = {};
  const limit = parseCount(headers.get(`anthropic-ratelimit-${kind}-limit`));
  const remaining = parseCount(headers.get(`anthropic-ratelimit-${kind}-remaining`));
  const resetAt = parseResetTime(headers.get(`anthropic-ratelimit-${kind}-reset`));
  if (limit !== undefined) window.limit = limit;
  if (remaining !== undefined) window.remaining = remaining;
  if (resetAt !== undefined) window.resetAt = resetAt;
  return Object.keys(window).length ? window : undefined;
}

function unifiedLimit(headers: Map<string, string>): UnifiedRateLimit | undefined {
  const unified: UnifiedRateLimit = { windows: {} };
  const status = headers.get("anthropic-ratelimit-unified-status");
  if (status && /^[a-z_]{1,32}$/i.test(status)) unified.status = status.toLowerCase();
  const resetAt = parseResetTime(headers.get("anthropic-ratelimit-unified-reset"));
  if (resetAt !== undefined) unified.resetAt = resetAt;
  const claim = headers.get("anthropic-ratelimit-unified-representative-claim");
  if (claim && /^[a-z0-9_]{1,32}$/i.test(claim)) unified.representativeClaim = claim;
  for (const [name, value] of headers) {
    const match = UNIFIED_WINDOW.exec(name);
    if (!match) continue;
    const [, windowName, field] = match;
    if (!(windowName in unified.windows) && Object.keys(unified.windows).length >= MAX_UNIFIED_WINDOWS) continue;
    const window: UnifiedRateLimitWindow = unified.windows[windowName] ?? {};
    if (field === "status" && /^[a-z_]{1,32}$/i.test(value)) window.status = value.toLowerCase();
    if (field === "reset") {
      const at = parseResetTime(value);
      if (at !== undefined) window.resetAt = at;
    }
    if (field === "utilization") {
      const share = parseCount(value);
      if (share !== undefined) window.utilization = share;
    }
    if (Object.keys(window).length) unified.windows[windowName] = window;
  }
  return unified.status !== undefined || unified.resetAt !== undefined || Object.keys(unified.windows).length ? unified : undefined;
}

/**
 * What a response's headers say about the credential's rate limits; undefined when they say
 * nothing. Never throws.
 *
 * @example parseRateLimitHeaders(new Headers({ "anthropic-ratelimit-requests-remaining": "0",
 *   "anthropic-ratelimit-requests-reset": "2026-01-01T00:01:00Z" }), Date.now())
 *   // { observedAt, requests: { remaining: 0, resetAt: 1767225660000 } }
 */
export function parseRateLimitHeaders(headers: RateLimitHeaderSource, observedAt: number): RateLimitSnapshot | undefined {
  let map: Map<string, string>;
  try {
    map = headerMap(headers);
  } catch {
    return undefined;
  }
  const snapshot: RateLimitSnapshot = { observedAt };
  let found = false;
  for (const [field, kind] of LIMIT_KINDS) {
    const window = limitWindow(map, kind);
    if (window) {
      snapshot[field] = window;
      found = true;
    }
  }
  const unified = unifiedLimit(map);
  if (unified) {
    snapshot.unified = unified;
    found = true;
  }
  const retryAfterMs = parseRetryAfterHeader(map, observedAt);
  if (retryAfterMs !== undefined) {
    snapshot.retryAfterMs = retryAfterMs;
    found = true;
  }
  return found ? snapshot : undefined;
}

/** What calls in flight are expected to use. */
export interface CallEstimate {
  inputTokens: number;
  outputTokens: number;
}

/** A call in flight: its estimate and when it started (unknown: just now). */
export interface InFlightCall extends CallEstimate {
  startedAt?: number;
}

/** The conservative estimate of a call: prompt characters / 4 (images {@link IMAGE_TOKENS} each) in, `maxTokens` out. */
export function estimateCall(request: { system?: string; messages: readonly ChatTurnMessage[]; maxTokens: number }): CallEstimate {
  let chars = request.system?.length ?? 0;
  let images = 0;
  for (const message of request.messages) {
    if (typeof message.content === "string") chars += message.content.length;
    else
      for (const block of message.content) {
        if (block.type === "text") chars += block.text.length;
        else images += 1;
      }
  }
  return { inputTokens: Math.ceil(chars / 4) + images * IMAGE_TOKENS, outputTokens: Math.max(0, request.maxTokens) };
}

export type Headroom =
  | { state: "open" }
  /** Calls in flight hold what remains (or are the first call of a (profile, model) never heard from). */
  | { state: "busy"; until: number; limit: string }
  /** A reported limit has nothing left until `until`. */
  | { state: "exhausted"; until: number; limit: string };

/** What is known of one (profile, model): whether it ever answered, and the newest report. */
export interface RateLimitObservation {
  /** A response came back (with or without rate-limit headers). */
  answered: boolean;
  snapshot?: RateLimitSnapshot;
}

interface Candidate {
  until: number;
  limit: string;
}

function later(a: Candidate | undefined, b: Candidate): Candidate {
  return a && a.until >= b.until ? a : b;
}

/** When the subscription (unified) limits refuse calls, until when; undefined when they do not. */
function unifiedRejection(unified: UnifiedRateLimit | undefined, observedAt: number): Candidate | undefined {
  if (!unified) return undefined;
  let found: Candidate | undefined;
  for (const [name, window] of Object.entries(unified.windows)) {
    // `overage` (extra usage beyond the plan) is commonly rejected while the plan itself allows calls
    if (name === "overage") continue;
    // a window used up (utilization 1) refuses the next call even while this one was allowed
    if (window.status === "rejected" || (window.utilization ?? 0) >= 1) {
      found = later(found, { until: window.resetAt ?? unified.resetAt ?? observedAt + UNREPORTED_RESET_MS, limit: `unified-${name}` });
    }
  }
  if (unified.status === "rejected") {
    found = later(found, { until: unified.resetAt ?? found?.until ?? observedAt + UNREPORTED_RESET_MS, limit: "unified" });
  }
  return found;
}

const NO_ESTIMATE: CallEstimate = { inputTokens: 0, outputTokens: 0 };

/**
 * Whether one more call may go to a (profile, model) now.
 *
 * @param observation what its responses reported; undefined when it never answered
 * @param inFlight estimates of its calls in flight now
 * @param call the estimate of the call about to be made: a token limit with less left than it
 *   needs (capped at the limit, so a call larger than the whole limit is not refused forever)
 *   counts as spent
 */
export function decideHeadroom(observation: RateLimitObservation | undefined, inFlight: readonly InFlightCall[], now: number, call: CallEstimate = NO_ESTIMATE): Headroom {
  if (!observation?.answered) {
    // its first call's headers will tell; a call that has not answered within the hold is not waited for
    const held = inFlight.map((call) => call.startedAt ?? now).filter((startedAt) => now - startedAt < FIRST_CALL_HOLD_MS);
    return held.length ? { state: "busy", until: Math.min(...held) + FIRST_CALL_HOLD_MS, limit: "first-call" } : { state: "open" };
  }
  const snapshot = observation.snapshot;
  if (!snapshot) return { state: "open" };
  let exhausted: Candidate | undefined;
  let busy: Candidate | undefined;

  const rejected = unifiedRejection(snapshot.unified, snapshot.observedAt);
  if (rejected && rejected.until > now) exhausted = later(exhausted, rejected);

  const wants = { requests: 1, tokens: call.inputTokens + call.outputTokens, inputTokens: call.inputTokens, outputTokens: call.outputTokens };
  const need = {
    requests: inFlight.length,
    tokens: inFlight.reduce((sum, call) => sum + call.inputTokens + call.outputTokens, 0),
    inputTokens: inFlight.reduce((sum, call) => sum + call.inputTokens, 0),
    outputTokens: inFlight.reduce((sum, call) => sum + call.outputTokens, 0),
  };
  for (const [field, kind] of LIMIT_KINDS) {
    const window = snapshot[field];
    if (!window) continue;
    const resetAt = window.resetAt ?? snapshot.observedAt + UNREPORTED_RESET_MS;
    const remaining = resetAt <= now ? window.limit : window.remaining;
    if (remaining === undefined) continue;
    // after a reset the next window starts when the next call comes: the reset is unknown until then
    const until = resetAt <= now ? now + UNREPORTED_RESET_MS : resetAt;
    const want = Math.min(wants[field], window.limit ?? Number.POSITIVE_INFINITY);
    if (remaining <= 0 || remaining < want) exhausted = later(exhausted, { until, limit: kind });
    else if (remaining - need[field] < Math.max(want, 1)) busy = later(busy, { until, limit: kind });
  }
  if (exhausted) return { state: "exhausted", ...exhausted };
  if (busy) return { state: "busy", ...busy };
  return { state: "open" };
}

/**
 * How long a rate-limited (429) call's limit lasts by what the response reported: the latest
 * reset of a limit with nothing remaining or of a rejected subscription window, in ms from `now`.
 * Undefined when the headers name no exhausted limit (then `retry-after`, then the ladder decide).
 */
export function reportedResetMs(snapshot: RateLimitSnapshot | undefined, now: number): number | undefined {
  if (!snapshot) return undefined;
  let until = unifiedRejection(snapshot.unified, snapshot.observedAt)?.until;
  for (const [field] of LIMIT_KINDS) {
    const window = snapshot[field];
    if (window?.remaining === 0 && window.resetAt !== undefined) until = Math.max(until ?? 0, window.resetAt);
  }
  return until === undefined ? undefined : Math.max(0, until - now);
}

interface Entry {
  observation?: RateLimitObservation;
  inFlight: Array<Required<InFlightCall>>;
}

/**
 * Rate-limit headroom per (profile, model) in one agent process: calls in flight and the newest
 * report of each. `availability` is the selector's `ExtraBlock` (reason `rate_limit`).
 */
export class RateLimitTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly inFlightTtlMs: number = IN_FLIGHT_TTL_MS,
  ) {}

  private entry(profileId: string, model: string): Entry {
    const key = `${profileId}\u0000${model}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { inFlight: [] };
      this.entries.set(key, entry);
    }
    const oldest = this.now() - this.inFlightTtlMs;
    if (entry.inFlight.some((call) => call.startedAt < oldest)) entry.inFlight = entry.inFlight.filter((call) => call.startedAt >= oldest);
    return entry;
  }

  /** A call with this credential and model starts now. */
  begin(profileId: string, model: string, estimate: CallEstimate = { inputTokens: 0, outputTokens: 0 }): void {
    this.entry(profileId, model).inFlight.push({ ...estimate, startedAt: this.now() });
  }

  /**
   * A call ended. `answered`: a response came back (`snapshot` is what its headers said, if
   * anything); false for a call that got no response (network failure, abort).
   */
  end(profileId: string, model: string, answered: boolean, snapshot?: RateLimitSnapshot): void {
    const entry = this.entry(profileId, model);
    entry.inFlight.shift();
    if (answered) this.record(entry, snapshot);
    this.changed();
  }

  /** A response came back for a call that goes on (a retry follows), with what its headers said. */
  observe(profileId: string, model: string, snapshot: RateLimitSnapshot | undefined): void {
    this.record(this.entry(profileId, model), snapshot);
    this.changed();
  }

  private record(entry: Entry, snapshot: RateLimitSnapshot | undefined): void {
    const current = entry.observation?.snapshot;
    const newest = snapshot && (!current || snapshot.observedAt >= current.observedAt) ? snapshot : current;
    entry.observation = { answered: true, ...(newest ? { snapshot: newest } : {}) };
  }

  /** Whether one more call (of `call`'s size, when given) may go to (profile, model) now. */
  headroom(profileId: string, model: string, call?: CallEstimate): Headroom {
    const entry = this.entries.get(`${profileId}\u0000${model}`);
    if (!entry) return { state: "open" };
    return decideHeadroom(entry.observation, this.entry(profileId, model).inFlight, this.now(), call);
  }

  /** The selector's extra block for a call of `call`'s size: a (profile, model) without headroom is skipped, reason `rate_limit`. */
  availabilityFor(call?: CallEstimate): (profileId: string, model?: string) => ProfileAvailability | undefined {
    return (profileId, model) => {
      if (model === undefined) return undefined;
      const headroom = this.headroom(profileId, model, call);
      if (headroom.state === "open") return undefined;
      return { usable: false, reason: "rate_limit", until: headroom.until, model };
    };
  }

  /** The selector's extra block for a call of unknown size. */
  readonly availability = this.availabilityFor();

  /** Whether a profile (other than `skip`) is held only by calls in flight for `model`: worth waiting for one to end. */
  hasBusy(model: string, profileIds: Iterable<string>, skip?: ReadonlySet<string>, call?: CallEstimate): boolean {
    for (const profileId of profileIds) {
      if (skip?.has(profileId)) continue;
      if (this.headroom(profileId, model, call).state === "busy") return true;
    }
    return false;
  }

  /** Profiles with calls in flight or reports for `model`. */
  profilesFor(model: string): string[] {
    const suffix = `\u0000${model}`;
    return [...this.entries.keys()].filter((key) => key.endsWith(suffix)).map((key) => key.slice(0, -suffix.length));
  }

  /** Calls `listener` after every end or report; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
