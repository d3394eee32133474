import { describe, expect, it } from "vitest";
import { callsDuringCooldown, checkCooldowns, cooldownsLiftedByEarlierCalls, reportedEvents } from "./cooldown-replay.js";
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

describe("callsDuringCooldown", () => {
  it("finds a call made with a profile while its failure still cools it down", () => {
    // a 429 cools down for its retry-after (at least 1 s), so 30 s still covers the call 5 s later
    const calls = [call("key-b", "t1", { kind: "rate_limited", retryAfterSeconds: 30 }, 0), call("key-b", "t2", { kind: "ok" }, 5_000), call("key-a", "t3", { kind: "ok" }, 5_000)];
    const events = reportedEvents(calls, profileOf);
    expect(callsDuringCooldown(calls, events, profileOf, 100)).toEqual([`call #${calls[1].seq} used anthropic:b on m 4990 ms after its rate_limit failure`]);
  });
});
