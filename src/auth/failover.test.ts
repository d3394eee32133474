import { describe, expect, it } from "vitest";
import { decideAfterFailure } from "./failover.js";
import type { FailureClass } from "./types.js";

describe("decideAfterFailure", () => {
  const cases: { failureClass: FailureClass; attempt: number; decision: object }[] = [
    { failureClass: "overloaded", attempt: 0, decision: { action: "retry", delayMs: 1_000 } },
    { failureClass: "overloaded", attempt: 1, decision: { action: "retry", delayMs: 2_000 } },
    { failureClass: "overloaded", attempt: 2, decision: { action: "next" } },
    { failureClass: "timeout", attempt: 0, decision: { action: "retry", delayMs: 1_000 } },
    { failureClass: "timeout", attempt: 1, decision: { action: "next" } },
    { failureClass: "auth", attempt: 0, decision: { action: "next" } },
    { failureClass: "rate_limit", attempt: 0, decision: { action: "next" } },
    { failureClass: "billing", attempt: 0, decision: { action: "next" } },
    { failureClass: "request", attempt: 0, decision: { action: "stop" } },
    { failureClass: "request", attempt: 3, decision: { action: "stop" } },
  ];
  it.each(cases)("$failureClass after attempt $attempt", ({ failureClass, attempt, decision }) => {
    expect(decideAfterFailure(failureClass, attempt)).toEqual(decision);
  });
});
