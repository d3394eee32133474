import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RateLimitSnapshot } from "../providers/types.js";
import {
  decideHeadroom,
  estimateCall,
  FIRST_CALL_HOLD_MS,
  IMAGE_TOKENS,
  IN_FLIGHT_TTL_MS,
  parseRateLimitHeaders,
  parseResetTime,
  RateLimitTracker,
  reportedResetMs,
  UNREPORTED_RESET_MS,
  type CallEstimate,
} from "./rate-limits.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const S = 1_000;
const at = (seconds: number) => new Date(NOW + seconds * S).toISOString().replace(/\.000Z$/, "Z");
const epoch = (seconds: number) => String(NOW / 1000 + seconds);

describe("parseResetTime", () => {
  it.each([
    ["2026-01-01T00:00:20Z", NOW + 20 * S],
    ["2026-01-01T00:00:20.250Z", NOW + 20_250],
    ["2026-01-01T01:00:20+01:00", NOW + 20 * S],
    [epoch(30), NOW + 30 * S],
    [String(NOW + 40 * S), NOW + 40 * S],
    ["", undefined],
    ["soon", undefined],
    ["1", 1_000],
    ["2026-01-01", undefined],
    ["-5", undefined],
    ["NaN", undefined],
    ["2026-13-45T99:99:99Z", undefined],
  ])("%j -> %s", (value, expected) => expect(parseResetTime(value)).toBe(expected));
});

describe("parseRateLimitHeaders", () => {
  it("reads the four standard limits with RFC 3339 resets, in any header case", () => {
    const snapshot = parseRateLimitHeaders(
      {
        "Anthropic-RateLimit-Requests-Limit": "50",
        "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-requests-reset": at(1),
        "anthropic-ratelimit-tokens-limit": "40000",
        "anthropic-ratelimit-tokens-remaining": "39000",
        "anthropic-ratelimit-tokens-reset": at(2),
        "anthropic-ratelimit-input-tokens-limit": "30000",
        "anthropic-ratelimit-input-tokens-remaining": "29000",
        "anthropic-ratelimit-input-tokens-reset": at(3),
        "anthropic-ratelimit-output-tokens-limit": "8000",
        "anthropic-ratelimit-output-tokens-remaining": "0",
        "anthropic-ratelimit-output-tokens-reset": at(4),
        "request-id": "req_1",
      },
      NOW,
    );
    expect(snapshot).toEqual({
      observedAt: NOW,
      requests: { limit: 50, remaining: 49, resetAt: NOW + 1 * S },
      tokens: { limit: 40000, remaining: 39000, resetAt: NOW + 2 * S },
      inputTokens: { limit: 30000, remaining: 29000, resetAt: NOW + 3 * S },
      outputTokens: { limit: 8000, remaining: 0, resetAt: NOW + 4 * S },
    });
  });

  it("reads fetch Headers, retry-after in seconds, ms or as a date", () => {
    expect(parseRateLimitHeaders(new Headers({ "retry-after": "7" }), NOW)).toEqual({ observedAt: NOW, retryAfterMs: 7_000 });
    expect(parseRateLimitHeaders({ "retry-after-ms": "250", "retry-after": "7" }, NOW)?.retryAfterMs).toBe(250);
    expect(parseRateLimitHeaders({ "retry-after": new Date(NOW + 60 * S).toUTCString() }, NOW)?.retryAfterMs).toBe(60_000);
  });

  it("reads the subscription (unified) headers: status, reset in epoch seconds, claim and windows", () => {
    const snapshot = parseRateLimitHeaders(
      {
        "anthropic-ratelimit-unified-status": "allowed_warning",
        "anthropic-ratelimit-unified-reset": epoch(3600),
        "anthropic-ratelimit-unified-representative-claim": "five_hour",
        "anthropic-ratelimit-unified-fallback-percentage": "0.5",
        "anthropic-ratelimit-unified-5h-status": "allowed_warning",
        "anthropic-ratelimit-unified-5h-reset": epoch(3600),
        "anthropic-ratelimit-unified-5h-utilization": "0.92",
        "anthropic-ratelimit-unified-7d-status": "allowed",
        "anthropic-ratelimit-unified-7d-reset": epoch(86_400),
        "anthropic-ratelimit-unified-7d-utilization": "0.31",
        "anthropic-ratelimit-unified-overage-status": "rejected",
      },
      NOW,
    );
    expect(snapshot).toEqual({
      observedAt: NOW,
      unified: {
        status: "allowed_warning",
        resetAt: NOW + 3600 * S,
        representativeClaim: "five_hour",
        windows: {
          "5h": { status: "allowed_warning", resetAt: NOW + 3600 * S, utilization: 0.92 },
          "7d": { status: "allowed", resetAt: NOW + 86_400 * S, utilization: 0.31 },
          overage: { status: "rejected" },
        },
      },
    });
  });

  it.each([
    ["no rate-limit headers", { "content-type": "application/json" }],
    ["garbage values", { "anthropic-ratelimit-requests-remaining": "lots", "anthropic-ratelimit-requests-reset": "tomorrow", "retry-after": "soon" }],
    ["negative and blank values", { "anthropic-ratelimit-requests-limit": "-1", "anthropic-ratelimit-tokens-remaining": " ", "retry-after": "-3" }],
    ["an overlong value", { "anthropic-ratelimit-requests-remaining": "9".repeat(500) }],
  ])("says nothing for %s", (_, headers) => expect(parseRateLimitHeaders(headers, NOW)).toBeUndefined());

  it("keeps the valid fields of a half-garbled response", () => {
    expect(parseRateLimitHeaders({ "anthropic-ratelimit-requests-remaining": "3", "anthropic-ratelimit-requests-reset": "never" }, NOW)).toEqual({
      observedAt: NOW,
      requests: { remaining: 3 },
    });
  });

  it("never throws and reports only sane values, whatever the headers (property)", () => {
    const names = fc.constantFrom(
      "anthropic-ratelimit-requests-limit",
      "anthropic-ratelimit-requests-remaining",
      "anthropic-ratelimit-requests-reset",
      "anthropic-ratelimit-tokens-remaining",
      "anthropic-ratelimit-output-tokens-reset",
      "anthropic-ratelimit-unified-status",
      "anthropic-ratelimit-unified-reset",
      "anthropic-ratelimit-unified-5h-utilization",
      "anthropic-ratelimit-unified-7d-status",
      "retry-after",
      "retry-after-ms",
    );
    const values = fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(names, fc.string()), values), (headers) => {
        const snapshot = parseRateLimitHeaders(headers, NOW);
        if (!snapshot) return;
        expect(snapshot.observedAt).toBe(NOW);
        for (const window of [snapshot.requests, snapshot.tokens, snapshot.inputTokens, snapshot.outputTokens]) {
          for (const value of Object.values(window ?? {})) expect(Number.isFinite(value) && value >= 0).toBe(true);
        }
        if (snapshot.retryAfterMs !== undefined) expect(Number.isFinite(snapshot.retryAfterMs) && snapshot.retryAfterMs >= 0).toBe(true);
        for (const window of Object.values(snapshot.unified?.windows ?? {})) {
          if (window.resetAt !== undefined) expect(Number.isFinite(window.resetAt)).toBe(true);
          if (window.utilization !== undefined) expect(window.utilization).toBeGreaterThanOrEqual(0);
        }
        // and what it parsed decides without throwing
        decideHeadroom({ answered: true, snapshot }, [{ inputTokens: 10, outputTokens: 10 }], NOW);
        reportedResetMs(snapshot, NOW);
      }),
      { numRuns: 300 },
    );
  });
});

describe("decideHeadroom", () => {
  const snap = (fields: Partial<RateLimitSnapshot>): RateLimitSnapshot => ({ observedAt: NOW, ...fields });
  const call = (inputTokens = 100, outputTokens = 1000): CallEstimate => ({ inputTokens, outputTokens });
  const calls = (n: number) => Array.from({ length: n }, () => call());

  it.each([
    { name: "never answered, nothing in flight", observation: undefined, inFlight: 0, expected: { state: "open" } },
    { name: "never answered, its first call in flight", observation: undefined, inFlight: 1, expected: { state: "busy", until: NOW + FIRST_CALL_HOLD_MS, limit: "first-call" } },
    { name: "answered without headers", observation: { answered: true }, inFlight: 9, expected: { state: "open" } },
    {
      name: "requests left",
      observation: { answered: true, snapshot: snap({ requests: { limit: 20, remaining: 5, resetAt: NOW + 2 * S } }) },
      inFlight: 4,
      expected: { state: "open" },
    },
    {
      name: "requests left all held by calls in flight",
      observation: { answered: true, snapshot: snap({ requests: { limit: 20, remaining: 5, resetAt: NOW + 2 * S } }) },
      inFlight: 5,
      expected: { state: "busy", until: NOW + 2 * S, limit: "requests" },
    },
    {
      name: "no requests left",
      observation: { answered: true, snapshot: snap({ requests: { limit: 20, remaining: 0, resetAt: NOW + 2 * S } }) },
      inFlight: 0,
      expected: { state: "exhausted", until: NOW + 2 * S, limit: "requests" },
    },
    {
      name: "no requests left, but the window has reset (the limit is known)",
      observation: { answered: true, snapshot: snap({ requests: { limit: 20, remaining: 0, resetAt: NOW - 1 } }) },
      inFlight: 19,
      expected: { state: "open" },
    },
    {
      name: "after a reset, calls in flight hold the whole limit",
      observation: { answered: true, snapshot: snap({ requests: { limit: 20, remaining: 0, resetAt: NOW - 1 } }) },
      inFlight: 20,
      expected: { state: "busy", until: NOW + UNREPORTED_RESET_MS, limit: "requests" },
    },
    {
      name: "no requests left and no reset reported: a minute from the report",
      observation: { answered: true, snapshot: { observedAt: NOW - 10 * S, requests: { remaining: 0 } } },
      inFlight: 0,
      expected: { state: "exhausted", until: NOW + 50 * S, limit: "requests" },
    },
    {
      name: "output tokens held by max_tokens in flight",
      observation: { answered: true, snapshot: snap({ outputTokens: { limit: 8000, remaining: 3000, resetAt: NOW + 5 * S } }) },
      inFlight: 3,
      expected: { state: "busy", until: NOW + 5 * S, limit: "output-tokens" },
    },
    {
      name: "the latest of several exhausted limits wins",
      observation: {
        answered: true,
        snapshot: snap({ requests: { remaining: 0, resetAt: NOW + 2 * S }, inputTokens: { remaining: 0, resetAt: NOW + 9 * S }, tokens: { remaining: 0, resetAt: NOW + 4 * S } }),
      },
      inFlight: 0,
      expected: { state: "exhausted", until: NOW + 9 * S, limit: "input-tokens" },
    },
    {
      name: "exhausted beats busy",
      observation: { answered: true, snapshot: snap({ requests: { remaining: 1, resetAt: NOW + 20 * S }, tokens: { remaining: 0, resetAt: NOW + 3 * S } }) },
      inFlight: 1,
      expected: { state: "exhausted", until: NOW + 3 * S, limit: "tokens" },
    },
    {
      name: "subscription rejected until its reset",
      observation: { answered: true, snapshot: snap({ unified: { status: "rejected", resetAt: NOW + 3600 * S, windows: {} } }) },
      inFlight: 0,
      expected: { state: "exhausted", until: NOW + 3600 * S, limit: "unified" },
    },
    {
      name: "subscription window used up (utilization 1) though this call was allowed",
      observation: { answered: true, snapshot: snap({ unified: { status: "allowed_warning", windows: { "5h": { utilization: 1, resetAt: NOW + 600 * S } } } }) },
      inFlight: 0,
      expected: { state: "exhausted", until: NOW + 600 * S, limit: "unified-5h" },
    },
    {
      name: "subscription allowed with a warning",
      observation: { answered: true, snapshot: snap({ unified: { status: "allowed_warning", windows: { "5h": { utilization: 0.95, resetAt: NOW + 600 * S } } } }) },
      inFlight: 3,
      expected: { state: "open" },
    },
    {
      name: "subscription allowed while its overage (extra usage) is rejected",
      observation: { answered: true, snapshot: snap({ unified: { status: "allowed", windows: { overage: { status: "rejected", resetAt: NOW + 600 * S } } } }) },
      inFlight: 0,
      expected: { state: "open" },
    },
    {
      name: "subscription rejection that has reset",
      observation: { answered: true, snapshot: snap({ unified: { status: "rejected", resetAt: NOW - S, windows: {} } }) },
      inFlight: 0,
      expected: { state: "open" },
    },
  ])("$name -> $expected.state", ({ observation, inFlight, expected }) => {
    expect(decideHeadroom(observation, calls(inFlight), NOW)).toEqual(expected);
  });
});

describe("decideHeadroom for a call of known size", () => {
  const out = (window: { limit?: number; remaining: number }) => ({ answered: true, snapshot: { observedAt: NOW, outputTokens: { ...window, resetAt: NOW + 30 * S } } });
  const call = { inputTokens: 500, outputTokens: 4096 };
  it.each([
    { name: "less output left than its max_tokens, nothing in flight", observation: out({ limit: 8000, remaining: 3000 }), inFlight: [], expected: "exhausted" },
    { name: "enough left, but calls in flight hold it", observation: out({ limit: 8000, remaining: 5000 }), inFlight: [{ inputTokens: 10, outputTokens: 1000 }], expected: "busy" },
    { name: "enough left for it and the calls in flight", observation: out({ limit: 8000, remaining: 6000 }), inFlight: [{ inputTokens: 10, outputTokens: 1000 }], expected: "open" },
    { name: "a call larger than the whole limit, limit untouched", observation: out({ limit: 2000, remaining: 2000 }), inFlight: [], expected: "open" },
  ])("$name -> $expected", ({ observation, inFlight, expected }) => {
    expect(decideHeadroom(observation, inFlight, NOW, call).state).toBe(expected);
  });
});

describe("reportedResetMs", () => {
  it.each([
    ["no snapshot", undefined, undefined],
    ["nothing exhausted", { observedAt: NOW, requests: { remaining: 3, resetAt: NOW + 5 * S } }, undefined],
    ["requests exhausted", { observedAt: NOW, requests: { remaining: 0, resetAt: NOW + 5 * S } }, 5 * S],
    [
      "the latest exhausted limit",
      { observedAt: NOW, requests: { remaining: 0, resetAt: NOW + 5 * S }, outputTokens: { remaining: 0, resetAt: NOW + 45 * S } },
      45 * S,
    ],
    ["a reset already past", { observedAt: NOW, requests: { remaining: 0, resetAt: NOW - 5 * S } }, 0],
    ["subscription rejected", { observedAt: NOW, unified: { status: "rejected", resetAt: NOW + 7200 * S, windows: {} } }, 7200 * S],
    ["retry-after only (the caller falls back to it)", { observedAt: NOW, retryAfterMs: 9_000 }, undefined],
  ] as const)("%s -> %s", (_, snapshot, expected) => expect(reportedResetMs(snapshot as RateLimitSnapshot | undefined, NOW)).toBe(expected));
});

describe("estimateCall", () => {
  it("counts prompt characters / 4, images, and max_tokens as output", () => {
    expect(
      estimateCall({
        system: "s".repeat(40),
        maxTokens: 1024,
        messages: [
          { role: "user", content: "u".repeat(80) },
          { role: "user", content: [{ type: "text", text: "t".repeat(40) }, { type: "image", mediaType: "image/png", data: "AAAA" }] },
        ],
      }),
    ).toEqual({ inputTokens: 40 + IMAGE_TOKENS, outputTokens: 1024 });
  });
});

describe("RateLimitTracker", () => {
  const limits = (remaining: number, observedAt = NOW): RateLimitSnapshot => ({ observedAt, requests: { limit: 3, remaining, resetAt: NOW + 10 * S } });

  it("blocks a (profile, model) while its first call is out, then by what it reported, per model", () => {
    let clock = NOW;
    const tracker = new RateLimitTracker(() => clock);
    tracker.begin("a", "m");
    expect(tracker.availability("a", "m")).toEqual({ usable: false, reason: "rate_limit", until: NOW + FIRST_CALL_HOLD_MS, model: "m" });
    expect(tracker.availability("a", "other")).toBeUndefined();
    tracker.end("a", "m", true, limits(2));
    expect(tracker.availability("a", "m")).toBeUndefined();
    tracker.begin("a", "m");
    tracker.begin("a", "m");
    expect(tracker.headroom("a", "m")).toEqual({ state: "busy", until: NOW + 10 * S, limit: "requests" });
    expect(tracker.hasBusy("m", tracker.profilesFor("m"))).toBe(true);
    expect(tracker.hasBusy("m", tracker.profilesFor("m"), new Set(["a"]))).toBe(false);
    tracker.end("a", "m", true, limits(1, NOW + 1));
    tracker.end("a", "m", true, limits(0, NOW + 2));
    expect(tracker.availability("a", "m")).toEqual({ usable: false, reason: "rate_limit", until: NOW + 10 * S, model: "m" });
    clock = NOW + 10 * S;
    expect(tracker.availability("a", "m")).toBeUndefined();
  });

  it("holds others back for a first call only until it is FIRST_CALL_HOLD_MS old", () => {
    expect(decideHeadroom(undefined, [{ inputTokens: 1, outputTokens: 1, startedAt: NOW - FIRST_CALL_HOLD_MS + 1 }], NOW).state).toBe("busy");
    expect(decideHeadroom(undefined, [{ inputTokens: 1, outputTokens: 1, startedAt: NOW - FIRST_CALL_HOLD_MS }], NOW)).toEqual({ state: "open" });
  });

  it("keeps the newest report when responses come back out of order", () => {
    const tracker = new RateLimitTracker(() => NOW);
    tracker.observe("a", "m", limits(0, NOW + 5));
    tracker.observe("a", "m", limits(2, NOW + 1));
    expect(tracker.headroom("a", "m").state).toBe("exhausted");
  });

  it("a call that got no response leaves the profile unheard-of; a call past the TTL is forgotten", () => {
    let clock = NOW;
    const tracker = new RateLimitTracker(() => clock);
    tracker.begin("a", "m");
    tracker.end("a", "m", false);
    expect(tracker.headroom("a", "m")).toEqual({ state: "open" });
    tracker.begin("a", "m");
    expect(tracker.headroom("a", "m").state).toBe("busy");
    clock += IN_FLIGHT_TTL_MS + 1;
    expect(tracker.headroom("a", "m")).toEqual({ state: "open" });
  });

  it("tells listeners about every end and report, and survives a throwing listener", () => {
    const tracker = new RateLimitTracker(() => NOW);
    let calls = 0;
    tracker.onChange(() => {
      throw new Error("boom");
    });
    const off = tracker.onChange(() => calls++);
    tracker.begin("a", "m");
    tracker.end("a", "m", true, limits(2));
    tracker.observe("a", "m", undefined);
    off();
    tracker.observe("a", "m", undefined);
    expect(calls).toBe(2);
  });
});
