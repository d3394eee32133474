import { describe, expect, it } from "vitest";
import { freshStats } from "./cooldown.js";
import { kindOfReason, profileAvailability, resolveProfileOrder, shortError, unusableEntry, type OrderInput, type ProfileAvailability } from "./order.js";
import type { AuthProfile, AuthStoreData, ProfileUsageStats } from "./types.js";

const NOW = 1_750_000_000_000;
const key = (name: string): AuthProfile => ({ type: "api_key", provider: "anthropic", key: `sk-ant-api03-${name}-${"k".repeat(40)}` });
const stats = (over: Partial<ProfileUsageStats>): ProfileUsageStats => ({ ...freshStats(), ...over });

function store(over: Partial<AuthStoreData>): AuthStoreData {
  return { version: 1, profiles: {}, order: {}, usageStats: {}, ...over };
}

const three = { "anthropic:a": key("a"), "anthropic:b": key("b"), "anthropic:c": key("c") };

describe("resolveProfileOrder", () => {
  const cases: { name: string; input: Partial<OrderInput> & { store: AuthStoreData }; ids: string[]; source: string }[] = [
    {
      name: "store order wins over config order and config profiles",
      input: {
        store: store({ profiles: three, order: { anthropic: ["anthropic:c", "anthropic:a"] } }),
        auth: { order: { anthropic: ["anthropic:b"] }, profiles: { "anthropic:a": { provider: "anthropic", mode: "api_key" } } },
      },
      ids: ["anthropic:c", "anthropic:a"],
      source: "store",
    },
    {
      name: "config auth.order when the store has none",
      input: { store: store({ profiles: three }), auth: { order: { anthropic: ["anthropic:b", "anthropic:a"] } } },
      ids: ["anthropic:b", "anthropic:a"],
      source: "config-order",
    },
    {
      name: "config auth.profiles ids of the provider, then the other stored ones (least recently used first)",
      input: {
        store: store({ profiles: three, usageStats: { "anthropic:a": stats({ lastUsed: 50 }), "anthropic:b": stats({ lastUsed: 10 }) } }),
        auth: { profiles: { "anthropic:c": { provider: "anthropic", mode: "api_key" }, "openrouter:x": { provider: "openrouter", mode: "api_key" } } },
      },
      ids: ["anthropic:c", "anthropic:b", "anthropic:a"],
      source: "config-profiles",
    },
    {
      name: "all stored profiles of the provider, least recently used first",
      input: {
        store: store({
          profiles: { ...three, "openrouter:x": { type: "api_key", provider: "openrouter", key: "sk-or-v1-xxxxxxxxxxxxxxxx" } },
          usageStats: { "anthropic:a": stats({ lastUsed: 300 }), "anthropic:b": stats({ lastUsed: 100 }), "anthropic:c": stats({ lastUsed: 200 }) },
        }),
      },
      ids: ["anthropic:b", "anthropic:c", "anthropic:a"],
      source: "stored",
    },
    {
      name: "unusable profiles move to the end, soonest available first, ones needing the user last",
      input: {
        store: store({
          profiles: { ...three, "anthropic:gone": { type: "token", provider: "anthropic", token: "sk-ant-oat01-x", expires: NOW - 1 } },
          order: { anthropic: ["anthropic:gone", "anthropic:a", "anthropic:b", "anthropic:c"] },
          usageStats: { "anthropic:a": stats({ cooldownUntil: NOW + 60_000 }), "anthropic:b": stats({ disabledUntil: NOW + 5_000 }) },
        }),
      },
      ids: ["anthropic:c", "anthropic:b", "anthropic:a", "anthropic:gone"],
      source: "store",
    },
    {
      name: "an ordered id with nothing stored stays listed, as missing, at the end",
      input: { store: store({ profiles: { "anthropic:a": key("a") }, order: { anthropic: ["anthropic:default", "anthropic:a"] } }) },
      ids: ["anthropic:a", "anthropic:default"],
      source: "store",
    },
    {
      name: "ids of other providers in an order are ignored",
      input: { store: store({ profiles: three }), auth: { order: { anthropic: ["openrouter:x", "anthropic:a"] } } },
      ids: ["anthropic:a"],
      source: "config-order",
    },
  ];

  it.each(cases)("$name", ({ input, ids, source }) => {
    const order = resolveProfileOrder({ provider: "anthropic", now: NOW, ...input });
    expect(order.profiles.map((p) => p.profileId)).toEqual(ids);
    expect(order.source).toBe(source);
  });

  it("reports usability, reason and until for each entry", () => {
    const order = resolveProfileOrder({
      provider: "anthropic",
      now: NOW,
      model: "claude-opus-4-5",
      store: store({
        profiles: three,
        usageStats: {
          "anthropic:a": stats({ lastUsed: 1, modelCooldowns: { "claude-opus-4-5": { until: NOW + 30_000, count: 1, reason: "rate_limit", lastFailureAt: NOW } } }),
          "anthropic:b": stats({ lastUsed: 2, modelCooldowns: { "claude-haiku-4-5": { until: NOW + 30_000, count: 1, reason: "rate_limit", lastFailureAt: NOW } } }),
        },
      }),
    });
    expect(order.profiles).toEqual([
      expect.objectContaining({ profileId: "anthropic:c", usable: true, until: null }),
      expect.objectContaining({ profileId: "anthropic:b", usable: true }),
      expect.objectContaining({ profileId: "anthropic:a", usable: false, reason: "rate_limit", until: NOW + 30_000, model: "claude-opus-4-5" }),
    ]);
  });
});

describe("profileAvailability", () => {
  const oauth = (refresh?: string): AuthProfile => ({ type: "oauth", provider: "anthropic", access: "sk-ant-oat01-access", refresh, expires: NOW - 1000 });
  const H = 3_600_000;
  const cases: { name: string; profile: AuthProfile | undefined; stats?: ProfileUsageStats; model?: string; extra?: ProfileAvailability; expected: object }[] = [
    { name: "no profile", profile: undefined, expected: { usable: false, kind: "missing", reason: "missing_secret", until: null } },
    { name: "empty secret", profile: { type: "api_key", provider: "anthropic", key: " " }, expected: { usable: false, reason: "missing_secret" } },
    { name: "api key, no stats", profile: key("a"), expected: { usable: true, until: null } },
    { name: "expired static token", profile: { type: "token", provider: "anthropic", token: "t", expires: NOW }, expected: { usable: false, kind: "expired", reason: "expired", until: null } },
    { name: "token without expiry", profile: { type: "token", provider: "anthropic", token: "t" }, expected: { usable: true } },
    { name: "expired oauth with refresh token is usable (it gets refreshed)", profile: oauth("r"), expected: { usable: true } },
    { name: "expired oauth without refresh token", profile: oauth(), expected: { usable: false, reason: "expired" } },
    { name: "whole-profile cooldown", profile: key("a"), stats: stats({ cooldownUntil: NOW + 10 }), expected: { usable: false, kind: "cooldown", reason: "auth", until: NOW + 10 } },
    {
      name: "a 401 with its retry time ahead: rejected",
      profile: key("a"),
      stats: stats({ cooldownUntil: NOW + 10, failureCounts: { auth: 1 }, lastFailure: { failureClass: "auth", at: NOW - 1, message: "Anthropic API error 401 authentication_error: invalid x-api-key" } }),
      expected: { usable: false, kind: "rejected", reason: "auth", until: NOW + 10, rejected: true, lastError: "401 authentication_error: invalid x-api-key" },
    },
    {
      name: "a 401 whose retry time has passed: usable, still marked rejected",
      profile: key("a"),
      stats: stats({ cooldownUntil: NOW - 1, failureCounts: { auth: 2 } }),
      expected: { usable: true, rejected: true },
    },
    { name: "past cooldown", profile: key("a"), stats: stats({ cooldownUntil: NOW }), expected: { usable: true } },
    {
      name: "disabled beats a shorter cooldown",
      profile: key("a"),
      stats: stats({ cooldownUntil: NOW + 10, disabledUntil: NOW + 99, disabledReason: "billing" }),
      expected: { usable: false, kind: "disabled", reason: "billing", until: NOW + 99 },
    },
    {
      name: "model cooldown only for that model",
      profile: key("a"),
      stats: stats({ modelCooldowns: { m1: { until: NOW + 5, count: 1, reason: "overloaded", lastFailureAt: NOW } } }),
      model: "m2",
      expected: { usable: true },
    },
    {
      name: "model cooldown of the requested model",
      profile: key("a"),
      stats: stats({ modelCooldowns: { m1: { until: NOW + 5, count: 1, reason: "overloaded", lastFailureAt: NOW } } }),
      model: "m1",
      expected: { usable: false, kind: "cooldown", reason: "overloaded", until: NOW + 5, model: "m1" },
    },
    {
      name: "an extra block with reason budget is kind budget",
      profile: key("a"),
      extra: { usable: false, reason: "budget", until: NOW + H },
      expected: { usable: false, kind: "budget", reason: "budget", until: NOW + H },
    },
    {
      name: "an extra block with reason rate_limit (header headroom) is a cooldown",
      profile: key("a"),
      model: "m1",
      extra: { usable: false, reason: "rate_limit", until: NOW + 7, model: "m1" },
      expected: { usable: false, kind: "cooldown", reason: "rate_limit", until: NOW + 7, model: "m1" },
    },
  ];
  it.each(cases)("$name", ({ profile, stats: s, model, extra, expected }) => {
    expect(profileAvailability(profile, s, NOW, model, extra)).toMatchObject(expected);
  });
});

describe("unusable entries: kind and reason", () => {
  it.each([
    { reason: "rate_limit", kind: "cooldown" },
    { reason: "overloaded", kind: "cooldown" },
    { reason: "timeout", kind: "cooldown" },
    { reason: "billing", kind: "disabled" },
    { reason: "budget", kind: "budget" },
    { reason: "expired", kind: "expired" },
    { reason: "missing_secret", kind: "missing" },
  ] as const)("reason $reason -> kind $kind", ({ reason, kind }) => {
    expect(kindOfReason(reason)).toBe(kind);
    expect(unusableEntry({ profileId: "anthropic:a", usable: false, reason, until: NOW + 5 }, NOW)).toEqual({ profileId: "anthropic:a", kind, reason, until: NOW + 5, remainingMs: 5 });
  });

  it("an auth failure not succeeded since is rejected, with the masked last error", () => {
    const secret = `sk-ant-api03-${"z".repeat(50)}`;
    const entry = unusableEntry({ profileId: "anthropic:a", usable: false, reason: "auth", rejected: true, until: null, lastError: shortError(`Anthropic API error 401 authentication_error: bad key ${secret}`) }, NOW);
    expect(entry).toEqual({ profileId: "anthropic:a", kind: "rejected", reason: "auth", until: null, remainingMs: null, lastError: "401 authentication_error: bad key sk-ant-a…zzzz" });
  });

  it("a rejected profile whose retry time passed goes after the healthy usable ones", () => {
    const order = resolveProfileOrder({
      provider: "anthropic",
      store: store({ profiles: three, order: { anthropic: ["anthropic:a", "anthropic:b", "anthropic:c"] }, usageStats: { "anthropic:a": stats({ failureCounts: { auth: 1 } }), "anthropic:c": stats({ cooldownUntil: NOW + 10, failureCounts: { auth: 1 } }) } }),
      now: NOW,
    });
    expect(order.profiles.map((p) => [p.profileId, p.usable])).toEqual([
      ["anthropic:b", true],
      ["anthropic:a", true],
      ["anthropic:c", false],
    ]);
  });

  it("shortError keeps one short line", () => {
    expect(shortError(undefined)).toBeUndefined();
    expect(shortError("  ")).toBeUndefined();
    expect(shortError("Anthropic API error 429 rate_limit_error:\n slow down")).toBe("429 rate_limit_error: slow down");
    expect(shortError("word ".repeat(100))!.length).toBe(160);
  });
});
