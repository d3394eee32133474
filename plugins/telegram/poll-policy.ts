/**
 * What long polling does when a getUpdates call fails. Pure.
 *
 * A few answers mean polling cannot go on in this process as it is: 409 Conflict (another
 * process polls the same token, or a webhook is set), 401/404 (the token was revoked or is
 * malformed), 403. The channel then reports itself failed and the gateway restarts it with
 * backoff. Everything else (network errors, timeouts, 5xx, 429, answers that make no sense) is
 * waited out inside the poll loop, 1 s doubling to 30 s, or as long as a 429 asks up to a cap.
 */
import { errorCodeOf, retryAfterOf } from "./errors.js";

export type PollFailure = "fatal" | "retry";

const FATAL_CODES = new Set([401, 403, 404, 409]);

/** @example classifyPollFailure(conflict409) // "fatal" */
export function classifyPollFailure(err: unknown): PollFailure {
  const code = errorCodeOf(err);
  return code !== undefined && FATAL_CODES.has(code) ? "fatal" : "retry";
}

export interface PollBackoff {
  /** Pause after the first failure in a row; doubled after each further one. */
  firstMs: number;
  maxMs: number;
  /** A 429's retry_after is honoured up to this; an absurd one (a day) is not. */
  maxRetryAfterMs: number;
}

export const POLL_BACKOFF: PollBackoff = { firstMs: 1000, maxMs: 30_000, maxRetryAfterMs: 60_000 };

/**
 * The pause before the next getUpdates after `failures` failed calls in a row (1 or more).
 *
 * @example pollRetryDelayMs(3, undefined, POLL_BACKOFF) // 4000
 * @example pollRetryDelayMs(1, 86_400, POLL_BACKOFF) // 60000 (a day's retry_after, capped)
 */
export function pollRetryDelayMs(failures: number, err: unknown, backoff: PollBackoff): number {
  const doubled = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  const retryAfter = retryAfterOf(err);
  return retryAfter === undefined ? doubled : Math.max(doubled, Math.min(retryAfter * 1000, backoff.maxRetryAfterMs));
}
