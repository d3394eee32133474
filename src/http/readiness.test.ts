import { describe, expect, it } from "vitest";
import { BatonConfig } from "../config/schema.js";
import type { AuthStoreData } from "../auth/types.js";
import type { ChannelStatus } from "../chat/channel-supervisor.js";
import { providerStandings } from "./agent-auth.js";
import { profileGauges } from "./profile-gauges.js";
import { readinessReport } from "./readiness.js";

const NOW = Date.parse("2026-12-05T04:00:00Z");
const KEY_A = `sk-ant-api03-${"a".repeat(80)}AAAA`;
const KEY_B = `sk-ant-api03-${"b".repeat(80)}BBBB`;
const TOKEN = `sk-ant-oat01-${"t".repeat(80)}TTTT`;

const stats = (change: Record<string, unknown> = {}) => ({ lastUsed: 0, errorCount: 0, failureCounts: {}, cooldownUntil: 0, disabledUntil: 0, disabledReason: null, modelCooldowns: {}, ...change });

function store(usageStats: Record<string, unknown> = {}, profiles: Record<string, unknown> = { "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A }, "anthropic:b": { type: "api_key", provider: "anthropic", key: KEY_B } }): AuthStoreData {
  return { version: 1, profiles, order: {}, usageStats } as AuthStoreData;
}

const channel = (state: ChannelStatus["state"], change: Partial<ChannelStatus> = {}): ChannelStatus => ({ channel: "chat", state, since: NOW - 5000, failures: 0, ...change });

function standings(data: AuthStoreData, env: Record<string, string> = {}, config = BatonConfig.parse({})) {
  return providerStandings({ agentId: "main", store: data }, { config, env, now: NOW });
}

describe("readinessReport", () => {
  it("is ready with every channel up (or standing by) and a usable profile", () => {
    const report = readinessReport([channel("up"), channel("standby", { channel: "other" })], [{ agentId: "main", providers: standings(store()) }], NOW);
    expect(report).toEqual({
      status: "ready",
      channels: [
        { channel: "chat", state: "up", ready: true, sinceSeconds: 5, failures: 0 },
        { channel: "other", state: "standby", ready: true, sinceSeconds: 5, failures: 0 },
      ],
      providers: [{ agent: "main", provider: "anthropic", state: "usable", ready: true, profile: "anthropic:a" }],
    });
  });

  it.each(["starting", "retrying", "stopped"] as const)("is not ready while a channel is %s", (state) => {
    const report = readinessReport([channel("up"), channel(state, { channel: "down", failures: 2, lastError: `connect failed with ${KEY_A}` })], [{ agentId: "main", providers: standings(store()) }], NOW);
    expect(report.status).toBe("not_ready");
    expect(report.channels[1]).toMatchObject({ channel: "down", state, ready: false, failures: 2 });
    expect(report.channels[1].lastError).not.toContain(KEY_A);
  });

  it("names the profile left when one cools down, and is not ready when all do", () => {
    const one = readinessReport([], [{ agentId: "main", providers: standings(store({ "anthropic:a": stats({ cooldownUntil: NOW + 60_000 }) })) }], NOW);
    expect(one.status).toBe("ready");
    expect(one.providers[0]).toMatchObject({ state: "usable", profile: "anthropic:b", unusable: [{ profile: "anthropic:a", kind: "cooldown", reason: "auth", remainingSeconds: 60 }] });
    const all = readinessReport([], [{ agentId: "main", providers: standings(store({ "anthropic:a": stats({ cooldownUntil: NOW + 60_000 }), "anthropic:b": stats({ disabledUntil: NOW + 3_600_000, disabledReason: "billing" }) })) }], NOW);
    expect(all.status).toBe("not_ready");
    expect(all.providers[0]).toMatchObject({ state: "unusable", ready: false, reason: "every credential is blocked" });
  });

  it("a model-scoped cooldown blocks only that model", () => {
    const scoped = { modelCooldowns: { "claude-haiku-4-5": { until: NOW + 60_000, count: 1, reason: "rate_limit", lastFailureAt: NOW } } };
    const report = readinessReport([], [{ agentId: "main", providers: standings(store({ "anthropic:a": stats(scoped), "anthropic:b": stats(scoped) })) }], NOW);
    expect(report.status).toBe("ready");
  });

  it("missing credentials, the environment variable, and an unreadable store", () => {
    expect(readinessReport([], [{ agentId: "main", providers: standings(store({}, {})) }], NOW).providers).toEqual([{ agent: "main", provider: "anthropic", state: "missing", ready: false, reason: "no credential" }]);
    expect(readinessReport([], [{ agentId: "main", providers: standings(store({}, {}), { ANTHROPIC_API_KEY: KEY_A }) }], NOW).providers[0]).toMatchObject({ state: "usable", profile: "env:ANTHROPIC_API_KEY" });
    const broken = readinessReport([], [{ agentId: "main", error: `Cannot use the auth store: invalid JSON near ${KEY_A}` }], NOW);
    expect(broken.status).toBe("not_ready");
    expect(broken.providers[0]).toMatchObject({ agent: "main", state: "error", ready: false });
    expect(JSON.stringify(broken)).not.toContain(KEY_A);
  });

  it("counts only providers the agent's models use (a stored profile of another provider does not block)", () => {
    const data = store({ "openrouter:x": stats({ cooldownUntil: NOW + 60_000 }) }, { "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A }, "openrouter:x": { type: "api_key", provider: "openrouter", key: KEY_B } });
    const report = readinessReport([], [{ agentId: "main", providers: standings(data) }], NOW);
    expect(report.status).toBe("ready");
    expect(report.providers.map((p) => p.provider)).toEqual(["anthropic"]);
  });
});

describe("profileGauges", () => {
  it("usable, cooldown seconds and expiry (token and OAuth only) of every profile, in the order or not", () => {
    const data = store(
      { "anthropic:a": stats({ cooldownUntil: NOW + 90_000 }) },
      {
        "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A },
        "anthropic:sub": { type: "token", provider: "anthropic", token: TOKEN, expires: NOW + 7_200_000 },
        "anthropic:old": { type: "token", provider: "anthropic", token: TOKEN, expires: NOW - 1000 },
        "anthropic:b": { type: "api_key", provider: "anthropic", key: KEY_B },
      },
    );
    data.order = { anthropic: ["anthropic:a", "anthropic:sub", "anthropic:old"] };
    const gauges = profileGauges("main", standings(data), data, NOW);
    const byId = Object.fromEntries(gauges.map((g) => [g.profile, g]));
    expect(byId["anthropic:a"]).toEqual({ agent: "main", profile: "anthropic:a", usable: false, cooldownSeconds: 90 });
    expect(byId["anthropic:sub"]).toEqual({ agent: "main", profile: "anthropic:sub", usable: true, cooldownSeconds: 0, expiresInSeconds: 7200 });
    expect(byId["anthropic:old"]).toEqual({ agent: "main", profile: "anthropic:old", usable: false, cooldownSeconds: 0, expiresInSeconds: -1 });
    // outside the order: never picked automatically, but listed
    expect(byId["anthropic:b"]).toMatchObject({ usable: true, cooldownSeconds: 0 });
    expect(gauges).toHaveLength(4);
  });
});
