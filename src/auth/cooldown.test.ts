import { describe, expect, it } from "vitest";
import { applyFailure, applySuccess, clearCooldowns, cooldownPolicy, freshStats, ladderMs, MIN_RATE_LIMIT_COOLDOWN_MS, SHORT_COOLDOWN_MS, type FailureEvent } from "./cooldown.js";
import type { ProfileUsageStats } from "./types.js";

const NOW = 1_750_000_000_000;
const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const MODEL = "claude-opus-4-5";

/** Applies failures one after another, `gapMs` apart, and returns the stats and the time of the last one. */
function repeat(failure: FailureEvent, times: number, gapMs = 0, start: ProfileUsageStats = freshStats()) {
  let stats = start;
  let at = NOW;
  for (let i = 0; i < times; i++) {
    at = NOW + i * gapMs;
    stats = applyFailure(stats, failure, at);
  }
  return { stats, at };
}

describe("ladderMs", () => {
  it.each([
    [0, 30 * S],
    [1, 1 * M],
    [2, 5 * M],
    [3, 25 * M],
    [4, 1 * H],
    [9, 1 * H],
  ])("failure #%i -> %i ms", (n, ms) => expect(ladderMs(n)).toBe(ms));
});

describe("applyFailure", () => {
  const rateLimitCases = [
    { times: 1, retryAfterMs: undefined, cooldown: 30 * S },
    { times: 2, retryAfterMs: undefined, cooldown: 1 * M },
    { times: 3, retryAfterMs: undefined, cooldown: 5 * M },
    { times: 4, retryAfterMs: undefined, cooldown: 25 * M },
    { times: 5, retryAfterMs: undefined, cooldown: 1 * H },
    { times: 7, retryAfterMs: undefined, cooldown: 1 * H },
    // the reported reset (or retry-after) decides, shorter or longer than the ladder
    { times: 1, retryAfterMs: 90 * S, cooldown: 90 * S },
    { times: 3, retryAfterMs: 10 * S, cooldown: 10 * S },
    { times: 5, retryAfterMs: 2 * S, cooldown: 2 * S },
    { times: 1, retryAfterMs: 3 * H, cooldown: 3 * H },
    { times: 1, retryAfterMs: 0, cooldown: MIN_RATE_LIMIT_COOLDOWN_MS },
  ];
  it.each(rateLimitCases)("rate_limit x$times (retry-after $retryAfterMs) -> (profile, model) cooldown $cooldown ms", ({ times, retryAfterMs, cooldown }) => {
    const { stats, at } = repeat({ failureClass: "rate_limit", model: MODEL, retryAfterMs }, times);
    expect(stats.modelCooldowns[MODEL]).toMatchObject({ until: at + cooldown, reason: "rate_limit", count: times });
    expect(stats.cooldownUntil).toBe(0);
    expect(stats.disabledUntil).toBe(0);
  });

  it.each(["overloaded", "timeout"] as const)("%s -> short (profile, model) cooldown that does not escalate", (failureClass) => {
    const { stats, at } = repeat({ failureClass, model: MODEL }, 6, 40 * S);
    expect(stats.modelCooldowns[MODEL]).toMatchObject({ until: at + SHORT_COOLDOWN_MS, reason: failureClass });
    expect(stats.cooldownUntil).toBe(0);
    expect(stats.failureCounts[failureClass]).toBe(6);
  });

  it("an overload during a longer rate-limit cooldown keeps the rate-limit cooldown", () => {
    const limited = applyFailure(freshStats(), { failureClass: "rate_limit", model: MODEL, retryAfterMs: 10 * M }, NOW);
    const after = applyFailure(limited, { failureClass: "overloaded", model: MODEL }, NOW + S);
    expect(after.modelCooldowns[MODEL]).toMatchObject({ until: NOW + 10 * M, reason: "rate_limit" });
  });

  const authCases = [
    { times: 1, cooldown: 30 * S },
    { times: 2, cooldown: 1 * M },
    { times: 3, cooldown: 5 * M },
    { times: 4, cooldown: 25 * M },
    { times: 5, cooldown: 1 * H },
    { times: 6, cooldown: 1 * H },
  ];
  it.each(authCases)("auth x$times -> whole-profile cooldown $cooldown ms", ({ times, cooldown }) => {
    const { stats, at } = repeat({ failureClass: "auth", model: MODEL }, times);
    expect(stats.cooldownUntil).toBe(at + cooldown);
    expect(stats.modelCooldowns).toEqual({});
    expect(stats.errorCount).toBe(times);
  });

  const billingCases = [
    { times: 1, hours: 5 },
    { times: 2, hours: 10 },
    { times: 3, hours: 20 },
    { times: 4, hours: 24 },
    { times: 5, hours: 24 },
  ];
  it.each(billingCases)("billing x$times -> disabled for $hours h", ({ times, hours }) => {
    const { stats, at } = repeat({ failureClass: "billing", model: MODEL }, times);
    expect(stats.disabledUntil).toBe(at + hours * H);
    expect(stats.disabledReason).toBe("billing");
  });

  it("billing follows config auth.cooldowns", () => {
    const policy = cooldownPolicy({ billingBackoffHours: 1, billingMaxHours: 3 });
    let stats = freshStats();
    const disabledFor: number[] = [];
    for (let i = 0; i < 4; i++) {
      stats = applyFailure(stats, { failureClass: "billing", model: MODEL }, NOW, policy);
      disabledFor.push((stats.disabledUntil - NOW) / H);
    }
    expect(disabledFor).toEqual([1, 2, 3, 3]);
  });

  it("request failures change nothing but lastUsed", () => {
    const before = freshStats();
    const after = applyFailure(before, { failureClass: "request", model: MODEL }, NOW);
    expect(after).toEqual({ ...before, lastUsed: NOW });
  });

  it("counters older than the failure window restart from zero", () => {
    const { stats } = repeat({ failureClass: "auth", model: MODEL }, 4);
    const later = NOW + 25 * H;
    const after = applyFailure(stats, { failureClass: "auth", model: MODEL }, later);
    expect(after.cooldownUntil).toBe(later + 30 * S);
    expect(after.failureCounts.auth).toBe(1);

    const limited = repeat({ failureClass: "rate_limit", model: MODEL }, 4).stats;
    const afterWindow = applyFailure(limited, { failureClass: "rate_limit", model: MODEL }, later);
    expect(afterWindow.modelCooldowns[MODEL]).toMatchObject({ until: later + 30 * S, count: 1 });
  });

  it("counters inside the window keep counting", () => {
    const { stats } = repeat({ failureClass: "auth", model: MODEL }, 2);
    const after = applyFailure(stats, { failureClass: "auth", model: MODEL }, NOW + 23 * H);
    expect(after.cooldownUntil).toBe(NOW + 23 * H + 5 * M);
  });

  it("does not mutate its input", () => {
    const before = freshStats();
    const snapshot = structuredClone(before);
    applyFailure(before, { failureClass: "rate_limit", model: MODEL }, NOW);
    expect(before).toEqual(snapshot);
  });
});

describe("applySuccess", () => {
  it("resets counters, the profile cooldown, the disable and that model's cooldown; other models keep theirs", () => {
    let stats = freshStats();
    stats = applyFailure(stats, { failureClass: "auth", model: MODEL }, NOW);
    stats = applyFailure(stats, { failureClass: "billing", model: MODEL }, NOW);
    stats = applyFailure(stats, { failureClass: "rate_limit", model: MODEL }, NOW);
    stats = applyFailure(stats, { failureClass: "rate_limit", model: "other" }, NOW);
    const after = applySuccess(stats, MODEL, NOW + S);
    expect(after).toMatchObject({ lastUsed: NOW + S, errorCount: 0, failureCounts: {}, cooldownUntil: 0, disabledUntil: 0, disabledReason: null });
    expect(Object.keys(after.modelCooldowns)).toEqual(["other"]);
    // the next rate limit on MODEL starts the ladder again
    expect(applyFailure(after, { failureClass: "rate_limit", model: MODEL }, NOW + 2 * S).modelCooldowns[MODEL].until).toBe(NOW + 2 * S + 30 * S);
  });

  it("keeps failures recorded after the successful call started (a 429 that arrived while it was in flight)", () => {
    const started = NOW - 2 * S;
    let stats = applyFailure(freshStats(), { failureClass: "rate_limit", model: MODEL, retryAfterMs: 60 * S }, NOW - S);
    stats = applyFailure(stats, { failureClass: "auth", model: MODEL }, NOW - S);
    const after = applySuccess(stats, MODEL, NOW, started);
    expect(after.lastUsed).toBe(NOW);
    expect(after.modelCooldowns[MODEL].until).toBe(NOW - S + 60 * S);
    expect(after.cooldownUntil).toBeGreaterThan(NOW);
    expect(after.errorCount).toBe(2);
    // a call that started after those failures does clear them
    expect(applySuccess(stats, MODEL, NOW + S, NOW)).toMatchObject({ errorCount: 0, cooldownUntil: 0, modelCooldowns: {} });
  });
});

describe("clearCooldowns", () => {
  it("clears every cooldown and disable but keeps lastUsed", () => {
    let stats = applyFailure({ ...freshStats(), lastUsed: 5 }, { failureClass: "billing", model: MODEL }, NOW);
    stats = applyFailure(stats, { failureClass: "rate_limit", model: MODEL }, NOW);
    expect(clearCooldowns(stats)).toMatchObject({ lastUsed: NOW, cooldownUntil: 0, disabledUntil: 0, disabledReason: null, modelCooldowns: {}, errorCount: 0 });
  });
});
