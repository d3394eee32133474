import { describe, expect, it } from "vitest";
import { BatonConfig, type BatonConfigInput } from "../config/schema.js";
import { freshStats } from "./cooldown.js";
import { buildModelsStatus, type StatusInput } from "./status.js";
import type { AuthProfile, AuthStoreData, ProfileUsageStats } from "./types.js";

const NOW = 1_800_000_000_000;
const H = 3_600_000;
const API_KEY = `sk-ant-api03-${"k".repeat(60)}WXYZ`;
const SETUP_TOKEN = `sk-ant-oat01-${"t".repeat(80)}ABCD`;

const apiKey: AuthProfile = { type: "api_key", provider: "anthropic", key: API_KEY };
const tokenExpiring = (ms: number): AuthProfile => ({ type: "token", provider: "anthropic", token: SETUP_TOKEN, expires: NOW + ms });
const oauth = (ms: number, refresh?: string): AuthProfile => ({ type: "oauth", provider: "anthropic", access: SETUP_TOKEN, refresh, expires: NOW + ms });

function input(over: { profiles?: Record<string, AuthProfile>; usageStats?: Record<string, ProfileUsageStats>; config?: BatonConfigInput; env?: Record<string, string>; order?: Record<string, string[]> }): StatusInput {
  const store: AuthStoreData = { version: 1, profiles: over.profiles ?? {}, order: over.order ?? {}, usageStats: over.usageStats ?? {} };
  return {
    agentId: "main",
    configPath: "/s/baton.json5",
    stateDir: "/s",
    storePath: "/s/agents/main/agent/auth-profiles.json",
    config: BatonConfig.parse(over.config ?? {}),
    env: over.env ?? {},
    store,
    now: NOW,
  };
}

describe("buildModelsStatus: --check exit code", () => {
  const cases: { name: string; over: Parameters<typeof input>[0]; exitCode: 0 | 1 | 2 }[] = [
    { name: "nothing at all", over: {}, exitCode: 1 },
    { name: "an API key profile", over: { profiles: { "anthropic:default": apiKey } }, exitCode: 0 },
    { name: "ANTHROPIC_API_KEY in the environment", over: { env: { ANTHROPIC_API_KEY: API_KEY } }, exitCode: 0 },
    { name: "a token expiring in 3 h", over: { profiles: { "anthropic:manual": tokenExpiring(3 * H) } }, exitCode: 2 },
    { name: "a token expiring in 30 h", over: { profiles: { "anthropic:manual": tokenExpiring(30 * H) } }, exitCode: 0 },
    { name: "an expired token", over: { profiles: { "anthropic:manual": tokenExpiring(-1) } }, exitCode: 1 },
    { name: "an expired token beside a working key", over: { profiles: { "anthropic:manual": tokenExpiring(-1), "anthropic:default": apiKey } }, exitCode: 1 },
    { name: "expired beats expiring", over: { profiles: { "anthropic:a": tokenExpiring(-1), "anthropic:b": tokenExpiring(H) } }, exitCode: 1 },
    { name: "oauth with a refresh token and a short-lived access token", over: { profiles: { "anthropic:claude-cli": oauth(10 * 60_000, "r") } }, exitCode: 0 },
    { name: "oauth with a refresh token, access token expired", over: { profiles: { "anthropic:claude-cli": oauth(-H, "r") } }, exitCode: 0 },
    { name: "oauth without a refresh token, expiring", over: { profiles: { "anthropic:claude-cli": oauth(H) } }, exitCode: 2 },
    { name: "a token without known expiry", over: { profiles: { "anthropic:manual": { type: "token", provider: "anthropic", token: SETUP_TOKEN } } }, exitCode: 0 },
    {
      name: "every profile in cooldown (temporary, not a check failure)",
      over: { profiles: { "anthropic:default": apiKey }, usageStats: { "anthropic:default": { ...freshStats(), cooldownUntil: NOW + 60_000 } } },
      exitCode: 0,
    },
    {
      name: "a provider with profiles but no credential (configured only)",
      over: { profiles: { "anthropic:default": apiKey }, config: { auth: { profiles: { "openrouter:default": { provider: "openrouter", mode: "api_key" } } } } },
      exitCode: 1,
    },
    {
      name: "the default model's provider missing while another provider works",
      over: { profiles: { "openrouter:x": { type: "api_key", provider: "openrouter", key: "sk-or-v1-xxxxxxxxxxxxxxxxxxxx" } } },
      exitCode: 1,
    },
  ];
  it.each(cases)("$name -> $exitCode", ({ over, exitCode }) => {
    expect(buildModelsStatus(input(over)).check.exitCode).toBe(exitCode);
  });
});

describe("buildModelsStatus: report", () => {
  it("shows the effective credential per provider and every profile with type, masked secret, expiry and status", () => {
    const report = buildModelsStatus(
      input({
        profiles: { "anthropic:default": apiKey, "anthropic:manual": tokenExpiring(2 * H), "anthropic:claude-cli": oauth(-1, "r") },
        order: { anthropic: ["anthropic:manual", "anthropic:default"] },
        usageStats: { "anthropic:manual": { ...freshStats(), cooldownUntil: NOW + 42_000 } },
        env: { OPENROUTER_API_KEY: "sk-or-v1-0123456789abcdef0123" },
      }),
    );
    expect(report).toMatchObject({ agentId: "main", configPath: "/s/baton.json5", stateDir: "/s", defaultModel: "anthropic/claude-opus-4-5" });
    expect(report.auth.providers).toEqual([
      {
        provider: "anthropic",
        inUse: true,
        effective: { source: "profile", profileId: "anthropic:default", type: "api_key", secret: "sk-ant-a…WXYZ" },
        order: ["anthropic:default", "anthropic:manual"],
        orderSource: "store",
        envVar: { name: "ANTHROPIC_API_KEY", set: false },
      },
      {
        provider: "openrouter",
        inUse: false,
        effective: { source: "env", envVar: "OPENROUTER_API_KEY", type: "env", secret: "sk-or-v1…0123" },
        order: [],
        orderSource: "stored",
        envVar: { name: "OPENROUTER_API_KEY", set: true },
      },
    ]);
    const byId = Object.fromEntries(report.auth.profiles.map((p) => [p.id, p]));
    expect(byId["anthropic:default"]).toMatchObject({ type: "api_key", secret: "sk-ant-a…WXYZ", expires: null, state: "static", status: "static" });
    expect(byId["anthropic:manual"]).toMatchObject({ type: "token", secret: "sk-ant-o…ABCD", expires: NOW + 2 * H, expiry: "expiring", state: "cooldown", status: "cooldown 42s" });
    expect(byId["anthropic:claude-cli"]).toMatchObject({ type: "oauth", refreshable: true, expiry: "refreshable", state: "ok", status: "ok" });
    expect(report.auth.unusableProfiles).toEqual([{ profileId: "anthropic:manual", kind: "cooldown", reason: "auth", until: NOW + 42_000, remainingMs: 42_000 }]);
    expect(report.check).toEqual({ exitCode: 2, problems: [`anthropic:manual: expires at ${new Date(NOW + 2 * H).toISOString()}`] });
    expect(JSON.stringify(report)).not.toContain(API_KEY);
    expect(JSON.stringify(report)).not.toContain(SETUP_TOKEN);
  });

  it("lists model-scoped cooldowns and disabled profiles in auth.unusableProfiles", () => {
    const report = buildModelsStatus(
      input({
        profiles: { "anthropic:a": apiKey, "anthropic:b": apiKey },
        usageStats: {
          "anthropic:a": { ...freshStats(), modelCooldowns: { "claude-opus-4-5": { until: NOW + 30_000, count: 1, reason: "rate_limit", lastFailureAt: NOW } } },
          "anthropic:b": { ...freshStats(), disabledUntil: NOW + 5 * H, disabledReason: "billing" },
        },
      }),
    );
    expect(report.auth.unusableProfiles).toEqual([
      { profileId: "anthropic:a", kind: "cooldown", reason: "rate_limit", until: NOW + 30_000, remainingMs: 30_000, model: "claude-opus-4-5" },
      { profileId: "anthropic:b", kind: "disabled", reason: "billing", until: NOW + 5 * H, remainingMs: 5 * H },
    ]);
    const provider = report.auth.providers[0];
    expect(provider.effective.source).toBe("unavailable");
    expect(provider.message).toMatch(/^No available auth profile for anthropic \(all in cooldown\/unavailable\)\. The soonest, anthropic:a, frees up in 30s/);
    expect(provider.message).toContain("Check `baton models status --json` for auth.unusableProfiles. Add another anthropic profile or wait for cooldown.");
    expect(report.auth.profiles.map((p) => p.status)).toEqual(["cooldown 30s on claude-opus-4-5 (rate_limit)", "disabled 5h (billing)"]);
  });

  it("says which message applies when credentials are missing", () => {
    const none = buildModelsStatus(input({}));
    expect(none.auth.providers[0].message).toMatch(/^No API key found for provider "anthropic"\. Auth is per agent\. New agents don't inherit the main agent's keys\./);
    const configured = buildModelsStatus(input({ config: { auth: { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key" } } } } }));
    expect(configured.auth.providers[0].message).toMatch(/^No credentials found for profile anthropic:default for agent main\. Auth is per agent\./);
    expect(configured.auth.profiles).toEqual([expect.objectContaining({ id: "anthropic:default", type: null, state: "missing", configured: true })]);
    expect(configured.auth.unusableProfiles).toEqual([{ profileId: "anthropic:default", kind: "missing", reason: "missing_secret", until: null, remainingMs: null }]);
  });

  it("a profile the provider rejected is `rejected` until it succeeds: --check 1, status and lastError masked", () => {
    const rejectedStats = (cooldownUntil: number): ProfileUsageStats => ({
      ...freshStats(),
      cooldownUntil,
      errorCount: 1,
      failureCounts: { auth: 1 },
      lastFailureAt: NOW - 1000,
      lastFailure: { failureClass: "auth", model: "claude-opus-4-5", at: NOW - 1000, message: "Anthropic API error 401 authentication_error: invalid x-api-key" },
    });
    for (const cooldownUntil of [NOW + 30_000, NOW - 1]) {
      const report = buildModelsStatus(input({ profiles: { "anthropic:default": apiKey, "anthropic:spare": apiKey }, usageStats: { "anthropic:default": rejectedStats(cooldownUntil) } }));
      const running = cooldownUntil > NOW;
      expect(report.auth.unusableProfiles).toEqual([
        {
          profileId: "anthropic:default",
          kind: "rejected",
          reason: "auth",
          until: running ? cooldownUntil : null,
          remainingMs: running ? 30_000 : null,
          lastError: "401 authentication_error: invalid x-api-key",
        },
      ]);
      const profile = report.auth.profiles.find((p) => p.id === "anthropic:default");
      expect(profile).toMatchObject({ state: "rejected", status: "rejected (401: invalid x-api-key)", lastError: "401 authentication_error: invalid x-api-key" });
      expect(report.check).toEqual({ exitCode: 1, problems: ["anthropic:default: rejected (401: invalid x-api-key)"] });
      // the healthy profile answers meanwhile
      expect(report.auth.providers[0].effective).toMatchObject({ source: "profile", profileId: "anthropic:spare" });
    }
  });

  it("rejected outranks an expiring token in --check (1, not 2); a cleared or succeeded profile is not rejected", () => {
    const stats401 = { ...freshStats(), failureCounts: { auth: 1 } };
    expect(buildModelsStatus(input({ profiles: { "anthropic:a": apiKey, "anthropic:b": tokenExpiring(H) }, usageStats: { "anthropic:a": stats401 } })).check.exitCode).toBe(1);
    // what a success or `cooldown clear` leaves: counters reset (the last failure may stay after a clear)
    const cleared = { ...freshStats(), lastFailure: { failureClass: "auth" as const, at: NOW - 1, message: "401" } };
    expect(buildModelsStatus(input({ profiles: { "anthropic:a": apiKey }, usageStats: { "anthropic:a": cleared } })).check.exitCode).toBe(0);
  });

  it("extra blocks show as budget and cooldown kinds", () => {
    const report = buildModelsStatus({
      ...input({ profiles: { "anthropic:a": apiKey, "anthropic:b": apiKey } }),
      extraBlock: (profileId) =>
        profileId === "anthropic:a" ? { usable: false, reason: "budget", until: NOW + H } : { usable: false, reason: "rate_limit", until: NOW + 20_000, model: "claude-opus-4-5" },
    });
    expect(report.auth.unusableProfiles).toEqual([
      { profileId: "anthropic:a", kind: "budget", reason: "budget", until: NOW + H, remainingMs: H },
      { profileId: "anthropic:b", kind: "cooldown", reason: "rate_limit", until: NOW + 20_000, remainingMs: 20_000, model: "claude-opus-4-5" },
    ]);
    expect(report.check.exitCode).toBe(0);
  });

  it("uses the agent's own model and counts fallback providers as in use", () => {
    const report = buildModelsStatus({
      ...input({ config: { agents: { list: [{ id: "main", model: { primary: "openrouter/x", fallbacks: ["anthropic/claude-haiku-4-5"] } }] } } }),
    });
    expect(report.defaultModel).toBe("openrouter/x");
    expect(report.auth.providers.map((p) => [p.provider, p.inUse])).toEqual([
      ["openrouter", true],
      ["anthropic", true],
    ]);
  });
});
