import type { FailureClass } from "./types.js";

/**
 * What the caller does after a failed call with a profile. Pure. The resolver owns
 * this decision so provider SDK retries are not stacked on top (construct clients with maxRetries 0).
 *
 * - overloaded: retry the same profile after 1 s, then 2 s; then the next profile.
 * - timeout / network: retry once after 1 s; then the next profile.
 * - auth, rate_limit, billing: the next profile at once.
 * - request: stop; the user gets the error.
 * With a session pin the caller treats "next" as stop: a pinned profile never silently spends another credential.
 */

export type FailureDecision = { action: "retry"; delayMs: number } | { action: "next" } | { action: "stop" };

export const OVERLOADED_RETRY_DELAYS_MS = [1_000, 2_000] as const;
export const TIMEOUT_RETRY_DELAYS_MS = [1_000] as const;

/** `attempt` is 0-based: 0 when the first call with this profile failed, 1 after one retry, ... */
export function decideAfterFailure(failureClass: FailureClass, attempt: number): FailureDecision {
  const retryFrom = (delays: readonly number[]): FailureDecision => {
    const delayMs = attempt >= 0 ? delays[attempt] : undefined;
    return delayMs === undefined ? { action: "next" } : { action: "retry", delayMs };
  };
  switch (failureClass) {
    case "overloaded":
      return retryFrom(OVERLOADED_RETRY_DELAYS_MS);
    case "timeout":
      return retryFrom(TIMEOUT_RETRY_DELAYS_MS);
    case "request":
      return { action: "stop" };
    default:
      return { action: "next" };
  }
}
