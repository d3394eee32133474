import { describe, expect, it } from "vitest";
import { callsDuringCooldown, checkCooldowns, cooldownsLiftedByEarlierCalls, possibleDurations, reportedEvents } from "./cooldown-replay.js";
import type { FaultDecision, ProxiedCall } from "./fault-proxy.js";

const profileOf = (credential: string) => (credential === "key-a" ? "anthropic:a" : credential === "key-b" ? "anthropic:b" : undefined);

let seq = 0;
function call(credential: string, turnKey: string, decision: FaultDecision, startedAt: number, endedAt = startedAt + 10): ProxiedCall {
  const ok = decision.kind === "ok" || decision.kind === "slow";
  return { seq: seq++, credential, model: "m", userText: turnKey, turnKey, decision, startedAt, endedAt, status: ok ? 200 : 500, ending: "complete" };
}

describe("reportedEvents", () => {
  it("records what the resolver records: overloaded after the third try, network failures after the second, the rest at once", () => {
    const calls = [
      call("key-a", "t1", { kind: "overloaded" }, 0),
      call("key-a", "t1", { kind: "overloaded" }, 1000),
      call("key-a", "t1", { kind: "mid_stream_error" }, 3000),
      call("key-b", "t1", { kind: "reset" }, 3100),
      call("key-b", "t1", { kind: "ok" }, 4100),
      call("key-b", "t2", { kind: "rate_limited", retryAfterSeconds: 45 }, 5000),
      call("key-a", "t3", { kind: "unauthorized" }, 6000),
      call("nobody", "t4", { kind: "unauthorized" }, 7000),
    ];
    expect(reportedEvents(calls, profileOf).map((e) => [e.profileId, e.outcome, e.at, e.retryAfterMs])).toEqual([
      ["anthropic:a", "overloaded", 3010, undefined],
      ["anthropic:b", "success", 4110, undefined],
      ["anthropic:b", "rate_limit", 5010, 45_000],
      ["anthropic:a", "auth", 6010, undefined],
    ]);
  });
});

describe("possibleDurations", () => {
  it("follows DESIGN §4/§9: a 429 until its reported reset (= retry-after here, at least 1 s), else the ladder; overloaded and timeout short and flat; auth on the ladder", () => {
    expect(possibleDurations({ outcome: "rate_limit", retryAfterMs: 20_000 })).toEqual([20_000]);
    expect(possibleDurations({ outcome: "rate_limit", retryAfterMs: 0 })).toEqual([1_000]);
    expect(possibleDurations({ outcome: "rate_limit" })).toEqual([30_000, 60_000, 300_000, 1_500_000, 3_600_000]);
    expect(possibleDurations({ outcome: "timeout" })).toEqual([30_000]);
    expect(possibleDurations({ outcome: "overloaded" })).toEqual([30_000]);
    expect(possibleDurations({ outcome: "auth" })).toEqual([30_000, 60_000, 300_000, 1_500_000, 3_600_000]);
  });
});

describe("checkCooldowns", () => {
  const events = reportedEvents([call("key-a", "t1", { kind: "unauthorized" }, 0), call("key-b", "t2", { kind: "rate_limited", retryAfterSeconds: 45 }, 100)], profileOf);

  it("accepts cooldowns that the injected failures explain", () => {
    const check = checkCooldowns({
      events,
      unusable: [
        { profileId: "anthropic:a", kind: "rejected", reason: "auth", until: 10 + 30_000, remainingMs: 20_000 },
        { profileId: "anthropic:b", kind: "cooldown", reason: "rate_limit", until: 110 + 45_000, remainingMs: 35_000, model: "m" },
      ],
     
      now: 10_000,
      raceMs: 100,
    });
    expect(check).toEqual({ problems: [], confirmed: { auth: 1, rate_limit: 1 }, explained: 2 });
  });

  it("flags a cooldown nothing injected explains, and an injected one that is not shown", () => {
    const check = checkCooldowns({
      events,
      unusable: [
        { profileId: "anthropic:a", kind: "rejected", reason: "auth", until: 10 + 30_000, remainingMs: 20_000 },
        { profileId: "anthropic:b", kind: "cooldown", reason: "overloaded", until: 50_000, remainingMs: 40_000, model: "m" },
      ],
     
      now: 10_000,
      raceMs: 100,
    });
    expect(check.problems).toHaveLength(2);
    expect(check.problems[0]).toMatch(/^anthropic:b on m: overloaded until .* matches no injected failure/);
    expect(check.problems[1]).toMatch(/^anthropic:b: the rate_limit failure at .* should still cool it down/);
  });

  it("does not demand a cooldown a later success may have lifted", () => {
    // a request already in flight when the 429 came back succeeds after it
    const calls: ProxiedCall[] = [];
    calls[0] = { ...call("key-b", "t2", { kind: "rate_limited", retryAfterSeconds: 45 }, 100), seq: 0 };
    calls[1] = { ...call("key-b", "t3", { kind: "ok" }, 50, 400), seq: 1 };
    const withSuccess = reportedEvents(calls, profileOf);
    expect(checkCooldowns({ events: withSuccess, unusable: [], now: 10_000, raceMs: 100 }).problems).toEqual([]);
    expect(cooldownsLiftedByEarlierCalls(calls, withSuccess)).toEqual({ failures: 1, lifted: 1 });
  });
});

describe("checkCooldowns: a 429 inside a longer cooldown", () => {
  it("explains a rate_limit cooldown that kept the end of the timeout cooldown it came during", () => {
    const calls = [call("key-b", "t1", { kind: "reset" }, 0), call("key-b", "t1", { kind: "reset" }, 1_000), call("key-b", "t2", { kind: "rate_limited", retryAfterSeconds: 1 }, 5_000)];
    const events = reportedEvents(calls, profileOf);
    // the timeout at 1010 cools down until 31010; the 1 s 429 at 5010 keeps that end, as rate_limit
    const unusable = [{ profileId: "anthropic:b", kind: "cooldown" as const, reason: "rate_limit" as const, until: 31_010, remainingMs: 21_010, model: "m" }];
    expect(checkCooldowns({ events, unusable, now: 10_000, raceMs: 100 })).toEqual({ problems: [], confirmed: { timeout: 1 }, explained: 1 });
  });
});

describe("callsDuringCooldown", () => {
  it("finds a call made with a profile while its failure still cools it down", () => {
    // a 429 cools down for its retry-after (at least 1 s), so 30 s still covers the call 5 s later
    const calls = [call("key-b", "t1", { kind: "rate_limited", retryAfterSeconds: 30 }, 0), call("key-b", "t2", { kind: "ok" }, 5_000), call("key-a", "t3", { kind: "ok" }, 5_000)];
    const events = reportedEvents(calls, profileOf);
    expect(callsDuringCooldown(calls, events, profileOf, 100)).toEqual([`call #${calls[1].seq} used anthropic:b on m 4990 ms after its rate_limit failure`]);
  });

  it("allows a call once a short retry-after has passed, though the ladder's first step has not", () => {
    const calls = [call("key-b", "t1", { kind: "rate_limited", retryAfterSeconds: 1 }, 0), call("key-b", "t2", { kind: "ok" }, 5_000)];
    expect(callsDuringCooldown(calls, reportedEvents(calls, profileOf), profileOf, 100)).toEqual([]);
  });

  it("finds a call inside the short cooldown of a timeout recorded after its second try", () => {
    const calls = [call("key-b", "t1", { kind: "reset" }, 0), call("key-b", "t1", { kind: "reset_mid_stream" }, 1_000), call("key-b", "t2", { kind: "ok" }, 9_000)];
    expect(callsDuringCooldown(calls, reportedEvents(calls, profileOf), profileOf, 100)).toEqual([`call #${calls[2].seq} used anthropic:b on m 7990 ms after its timeout failure`]);
  });

  it("does not count a timeout retried on the same profile as recorded", () => {
    const calls = [call("key-b", "t1", { kind: "reset" }, 0), call("key-b", "t1", { kind: "ok" }, 1_000), call("key-b", "t2", { kind: "ok" }, 3_000)];
    expect(callsDuringCooldown(calls, reportedEvents(calls, profileOf), profileOf, 100)).toEqual([]);
  });
});
