import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshStats } from "./cooldown.js";
import { profileAvailability, resolveProfileOrder } from "./order.js";
import { selectCredential, type SelectionInput } from "./selector.js";
import type { AuthProfile, AuthStoreData, ProfileUsageStats } from "./types.js";

const NOW = 1_800_000_000_000;
const MODEL = "claude-opus-4-5";
const key = (name: string): AuthProfile => ({ type: "api_key", provider: "anthropic", key: `sk-ant-api03-${name}-${"k".repeat(40)}` });
const ENV_KEY = `sk-ant-api03-env-${"e".repeat(40)}`;

function input(store: Partial<AuthStoreData>, over: Partial<Omit<SelectionInput, "request">> & { request?: Partial<SelectionInput["request"]> } = {}): SelectionInput {
  return {
    store: { version: 1, profiles: {}, order: {}, usageStats: {}, ...store },
    auth: undefined,
    env: {},
    agentId: "main",
    now: NOW,
    ...over,
    request: { provider: "anthropic", model: MODEL, ...over.request },
  };
}

describe("selectCredential", () => {
  it("passes over profiles whose OAuth refresh failed in this request and puts the refresh advice first", () => {
    const selection = selectCredential(
      input(
        { profiles: { "anthropic:a": key("a"), "anthropic:b": key("b") }, order: { anthropic: ["anthropic:a", "anthropic:b"] } },
        { request: { exclude: new Set(["anthropic:b"]) }, refreshFailures: new Map([["anthropic:a", "OAuth token refresh failed for anthropic:a: HTTP 400."]]) },
      ),
    );
    expect(selection.kind).toBe("none");
    if (selection.kind !== "none") return;
    expect(selection.unavailable.message).toMatch(/^OAuth token refresh failed for anthropic:a: HTTP 400\. No available auth profile for anthropic/);
    expect(selection.unavailable.unusable.map((u) => u.profileId)).toEqual(["anthropic:a", "anthropic:b"]);
  });

  it("names why a profile tried in this turn failed, even when it has no cooldown", () => {
    const usageStats = { "anthropic:a": { ...freshStats(), lastFailure: { failureClass: "request" as const, at: NOW } } };
    const selection = selectCredential(input({ profiles: { "anthropic:a": key("a") }, usageStats }, { request: { exclude: new Set(["anthropic:a"]) } }));
    expect(selection).toMatchObject({ kind: "none", unavailable: { reason: "all_unusable", unusable: [{ profileId: "anthropic:a", reason: "request", until: null }] } });
  });

  it("uses the environment credential only when no profile of the provider is stored, and honours its cooldown", () => {
    const env = { ANTHROPIC_API_KEY: ENV_KEY };
    expect(selectCredential(input({}, { env }))).toMatchObject({ kind: "env", credential: { profileId: "env:ANTHROPIC_API_KEY", secret: ENV_KEY } });
    expect(selectCredential(input({ profiles: { "anthropic:a": key("a") } }, { env }))).toMatchObject({ kind: "profile", profileId: "anthropic:a" });
    const cooling = { "env:ANTHROPIC_API_KEY": { ...freshStats(), modelCooldowns: { [MODEL]: { until: NOW + 5_000, count: 1, reason: "rate_limit" as const, lastFailureAt: NOW } } } };
    expect(selectCredential(input({ usageStats: cooling }, { env }))).toMatchObject({ kind: "none", unavailable: { reason: "all_unusable", soonestAt: NOW + 5_000 } });
  });

  // Random stores: which profile is picked, or why none is, always follows the order and the availability rules.
  const ids = ["anthropic:a", "anthropic:b", "anthropic:c", "anthropic:d"];
  const profile: fc.Arbitrary<AuthProfile> = fc.oneof(
    fc.constant(key("x")),
    fc.constant<AuthProfile>({ type: "api_key", provider: "anthropic", key: " " }),
    fc.integer({ min: -60_000, max: 60_000 }).map((ms): AuthProfile => ({ type: "token", provider: "anthropic", token: "sk-ant-oat01-t", expires: NOW + ms })),
    fc.constant<AuthProfile>({ type: "api_key", provider: "openrouter", key: "sk-or-v1-x" }),
  );
  const until = fc.oneof(fc.constant(0), fc.integer({ min: -60_000, max: 3_600_000 }).map((ms) => NOW + ms));
  const stats: fc.Arbitrary<ProfileUsageStats> = fc.record({ cooldownUntil: until, disabledUntil: until, scoped: until, model: fc.constantFrom(MODEL, "claude-haiku-4-5"), lastUsed: fc.nat(1000) }).map((s) => ({
    ...freshStats(),
    lastUsed: s.lastUsed,
    cooldownUntil: s.cooldownUntil,
    disabledUntil: s.disabledUntil,
    modelCooldowns: s.scoped ? { [s.model]: { until: s.scoped, count: 1, reason: "rate_limit" as const, lastFailureAt: NOW } } : {},
  }));
  const scenario = fc.record({
    profiles: fc.dictionary(fc.constantFrom(...ids), profile),
    usageStats: fc.dictionary(fc.constantFrom(...ids), stats),
    order: fc.option(fc.shuffledSubarray(ids, { minLength: 1 }), { nil: undefined }),
    exclude: fc.subarray(ids),
    refreshFailed: fc.subarray(ids),
    env: fc.boolean(),
  });

  it("never hands out an excluded, refresh-failed or unusable profile; it takes the first usable one in order, else explains every one", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const store: AuthStoreData = { version: 1, profiles: s.profiles, order: s.order ? { anthropic: s.order } : {}, usageStats: s.usageStats };
        const refreshFailures = new Map(s.refreshFailed.map((id) => [id, `refresh of ${id} failed.`]));
        const selection = selectCredential(input(store, { request: { exclude: new Set(s.exclude) }, refreshFailures, env: s.env ? { ANTHROPIC_API_KEY: ENV_KEY } : {} }));
        const ordered = resolveProfileOrder({ provider: "anthropic", store, now: NOW, model: MODEL }).profiles;
        const candidates = ordered.filter(
          (e) => e.profile && !s.exclude.includes(e.profileId) && !s.refreshFailed.includes(e.profileId) && profileAvailability(e.profile, store.usageStats[e.profileId], NOW, MODEL).usable,
        );
        const storedInOrder = ordered.some((e) => e.profile);
        if (selection.kind === "profile") {
          expect(selection.profileId).toBe(candidates[0]?.profileId);
          expect(selection.pinned).toBe(false);
        } else if (selection.kind === "env") {
          expect(storedInOrder).toBe(false);
          expect(s.env).toBe(true);
        } else {
          expect(candidates).toEqual([]);
          const { unavailable } = selection;
          if (storedInOrder) {
            expect(unavailable.reason).toBe("all_unusable");
            expect(unavailable.unusable.map((u) => u.profileId)).toEqual(ordered.map((e) => e.profileId));
            const future = unavailable.unusable.map((u) => u.until).filter((u): u is number => u !== null && u > NOW);
            expect(unavailable.soonestAt).toBe(future.length ? Math.min(...future) : undefined);
            for (const id of s.refreshFailed.filter((id) => ordered.some((e) => e.profileId === id))) expect(unavailable.message).toContain(`refresh of ${id} failed.`);
          }
          for (const u of unavailable.unusable) expect(u.remainingMs).toBe(u.until === null ? null : Math.max(0, u.until - NOW));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a pin is used even in cooldown or excluded; refused only when missing, for another provider or expired", () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom(...ids), (s, pinned) => {
        const store: AuthStoreData = { version: 1, profiles: s.profiles, order: {}, usageStats: s.usageStats };
        const selection = selectCredential(input(store, { request: { pinnedProfileId: pinned, exclude: new Set(s.exclude) } }));
        const p = s.profiles[pinned];
        const missing = !p || (p.type === "api_key" && !p.key.trim());
        if (missing) expect(selection).toMatchObject({ kind: "none", unavailable: { reason: "pin_missing" } });
        else if (p!.provider !== "anthropic") expect(selection).toMatchObject({ kind: "none", unavailable: { reason: "pin_unusable", unusable: [{ reason: "missing_secret" }] } });
        else if (p.type === "token" && p.expires! <= NOW) expect(selection).toMatchObject({ kind: "none", unavailable: { reason: "pin_unusable", unusable: [{ reason: "expired" }] } });
        else expect(selection).toEqual({ kind: "profile", profileId: pinned, profile: p, pinned: true });
      }),
      { numRuns: 500 },
    );
  });
});
