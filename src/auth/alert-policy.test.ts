import { describe, expect, it } from "vitest";
import { alertStateOf, decideAlerts, type AlertMemory, type ProfileHealth } from "./alert-policy.js";
import { freshStats } from "./cooldown.js";
import type { AuthProfile, ProfileUsageStats } from "./types.js";

const NOW = 1_800_000_000_000;
const H = 3_600_000;
const KEY = `sk-ant-api03-${"k".repeat(60)}WXYZ`;
const apiKey: AuthProfile = { type: "api_key", provider: "anthropic", key: KEY };
const token = (expiresIn?: number): AuthProfile => ({ type: "token", provider: "anthropic", token: `sk-ant-oat01-${"t".repeat(60)}`, ...(expiresIn === undefined ? {} : { expires: NOW + expiresIn }) });
const oauth = (expiresIn: number, refresh?: string): AuthProfile => ({ type: "oauth", provider: "anthropic", access: "sk-ant-oat01-access", refresh, expires: NOW + expiresIn });
const stats = (over: Partial<ProfileUsageStats>): ProfileUsageStats => ({ ...freshStats(), ...over });
const rejected = stats({
  cooldownUntil: NOW + 30_000,
  failureCounts: { auth: 1 },
  lastFailure: { failureClass: "auth", at: NOW, message: `Anthropic API error 401 authentication_error: invalid x-api-key ${KEY}` },
});

describe("alertStateOf", () => {
  it.each([
    { name: "a healthy key", profile: apiKey, stats: undefined, state: "ok" },
    { name: "a rate-limited key (temporary)", profile: apiKey, stats: stats({ modelCooldowns: { m: { until: NOW + 9, count: 1, reason: "rate_limit", lastFailureAt: NOW } } }), state: "ok" },
    { name: "a 401 not succeeded since", profile: apiKey, stats: rejected, state: "rejected" },
    { name: "a 401 whose retry time passed", profile: apiKey, stats: { ...rejected, cooldownUntil: NOW - 1 }, state: "rejected" },
    { name: "billing", profile: apiKey, stats: stats({ disabledUntil: NOW + 5 * H, disabledReason: "billing" }), state: "disabled" },
    { name: "a token expiring in 5 h", profile: token(5 * H), stats: undefined, state: "expiring" },
    { name: "a token expiring in 30 h", profile: token(30 * H), stats: undefined, state: "ok" },
    { name: "a token without expiry", profile: token(), stats: undefined, state: "ok" },
    { name: "an expired token", profile: token(-1), stats: undefined, state: "expired" },
    { name: "oauth with a refresh token about to expire (renewed by itself)", profile: oauth(H, "r"), stats: undefined, state: "ok" },
    { name: "oauth without a refresh token expiring", profile: oauth(H), stats: undefined, state: "expiring" },
    { name: "rejected beats expiring", profile: token(H), stats: rejected, state: "rejected" },
  ] as const)("$name -> $state", ({ profile, stats: s, state }) => {
    expect(alertStateOf(profile, s, NOW)).toBe(state);
  });
});

describe("decideAlerts", () => {
  const health = (profileId: string, profile: AuthProfile, s?: ProfileUsageStats): ProfileHealth => ({ agentId: "main", profileId, profile, stats: s });

  it.each<{ name: string; memory: AlertMemory; profiles: ProfileHealth[]; alerts: string[]; memoryAfter: Record<string, string> }>([
    { name: "first rejection alerts", memory: {}, profiles: [health("anthropic:a", apiKey, rejected)], alerts: ["main/anthropic:a rejected"], memoryAfter: { "main/anthropic:a": "rejected" } },
    { name: "still rejected: no second alert", memory: { "main/anthropic:a": "rejected" }, profiles: [health("anthropic:a", apiKey, rejected)], alerts: [], memoryAfter: { "main/anthropic:a": "rejected" } },
    { name: "recovered: silent, re-armed", memory: { "main/anthropic:a": "rejected" }, profiles: [health("anthropic:a", apiKey)], alerts: [], memoryAfter: { "main/anthropic:a": "ok" } },
    { name: "rejected again after recovering alerts again", memory: { "main/anthropic:a": "ok" }, profiles: [health("anthropic:a", apiKey, rejected)], alerts: ["main/anthropic:a rejected"], memoryAfter: { "main/anthropic:a": "rejected" } },
    { name: "expiring then expired: two alerts, one per change", memory: { "main/anthropic:t": "expiring" }, profiles: [health("anthropic:t", token(-1))], alerts: ["main/anthropic:t expired"], memoryAfter: { "main/anthropic:t": "expired" } },
    { name: "a removed profile is forgotten", memory: { "main/anthropic:gone": "rejected" }, profiles: [], alerts: [], memoryAfter: {} },
    {
      name: "several profiles at once",
      memory: {},
      profiles: [health("anthropic:a", apiKey, rejected), health("anthropic:b", apiKey, stats({ disabledUntil: NOW + H })), health("anthropic:c", apiKey)],
      alerts: ["main/anthropic:a rejected", "main/anthropic:b disabled"],
      memoryAfter: { "main/anthropic:a": "rejected", "main/anthropic:b": "disabled", "main/anthropic:c": "ok" },
    },
  ])("$name", ({ memory, profiles, alerts, memoryAfter }) => {
    const decision = decideAlerts(memory, profiles, NOW);
    expect(decision.alerts.map((a) => `${a.key} ${a.state}`)).toEqual(alerts);
    expect(decision.memory).toEqual(memoryAfter);
  });

  it("texts are plain, masked, and carry the advice for the credential type", () => {
    const [keyAlert] = decideAlerts({}, [health("anthropic:a", apiKey, rejected)], NOW).alerts;
    expect(keyAlert.text).toBe(
      "Baton: profile anthropic:a (agent main) was rejected by anthropic (401: invalid x-api-key sk-ant-a…WXYZ). Create a new key in the Anthropic Console, then `baton models auth paste-token --provider anthropic --profile-id anthropic:a`.",
    );
    expect(keyAlert.text).not.toContain(KEY);
    const [tokenAlert] = decideAlerts({}, [health("anthropic:t", token(5 * H), rejected)], NOW).alerts;
    expect(tokenAlert.text).toContain("re-run `claude setup-token`");
    const [expiring] = decideAlerts({}, [health("anthropic:t", token(5 * H))], NOW).alerts;
    expect(expiring.text).toBe(`Baton: the credential of profile anthropic:t (agent main) expires in 5h (${new Date(NOW + 5 * H).toISOString()}). Re-run \`claude setup-token\` and paste it with \`baton models auth paste-token --provider anthropic\`.`);
    const [disabled] = decideAlerts({}, [health("anthropic:b", apiKey, stats({ disabledUntil: NOW + 5 * H, disabledReason: "billing" }))], NOW).alerts;
    expect(disabled.text).toBe("Baton: profile anthropic:b (agent main) is disabled for 5h (billing). Add credits in your anthropic account or add another profile.");
  });
});
