import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../../test/fakes/anthropic/index.js";
import { startFakeOAuthServer, type FakeOAuthServer } from "../../test/fakes/oauth/index.js";
import { executeTurn } from "../agents/turn.js";
import { resolvePaths, type BatonPaths } from "../config/paths.js";
import { BatonConfig, type BatonConfigInput } from "../config/schema.js";
import { createAnthropicProvider } from "../providers/anthropic/provider.js";
import type { Provider } from "../providers/types.js";
import { createCredentialResolver, isCredentialUnavailable, type CredentialResolver, type CredentialUnavailable } from "./resolver.js";
import { buildModelsStatus } from "./status.js";
import { readAuthStore, updateAuthStore, type StoredUsageStats } from "./store.js";
import type { AuthProfile, ResolvedCredential } from "./types.js";

const NOW = 1_800_000_000_000;
const MODEL = "claude-opus-4-5";
const keyA = `sk-ant-api03-${"a".repeat(60)}AAAA`;
const keyB = `sk-ant-api03-${"b".repeat(60)}BBBB`;
const apiKey = (key: string): AuthProfile => ({ type: "api_key", provider: "anthropic", key });

let dir: string;
let paths: BatonPaths;
let clock: number;
let oauthServer: FakeOAuthServer | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-resolver-"));
  paths = resolvePaths({ HOME: dir, BATON_STATE_DIR: path.join(dir, "state") });
  clock = NOW;
});
afterEach(async () => {
  await oauthServer?.close();
  oauthServer = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function seed(profiles: Record<string, AuthProfile>, agentId = "main") {
  await updateAuthStore(paths.authStorePath(agentId), (store) => void Object.assign(store.profiles, profiles));
}

function resolver(options: { config?: BatonConfigInput; env?: Record<string, string>; agentId?: string } = {}) {
  return createCredentialResolver({
    paths,
    config: BatonConfig.parse(options.config ?? {}),
    env: options.env ?? {},
    agentId: options.agentId ?? "main",
    now: () => clock,
  });
}

function credential(result: ResolvedCredential | CredentialUnavailable): ResolvedCredential {
  if (isCredentialUnavailable(result)) throw new Error(`unexpectedly unavailable: ${result.message}`);
  return result;
}

function unavailable(result: ResolvedCredential | CredentialUnavailable): CredentialUnavailable {
  if (!isCredentialUnavailable(result)) throw new Error(`unexpectedly got ${result.profileId}`);
  return result;
}

describe("next: no stored profiles", () => {
  it("says no API key was found, per agent, with the commands to fix it", async () => {
    const r = await resolver({ agentId: "work" });
    const result = unavailable(await r.next({ provider: "anthropic", model: MODEL }));
    expect(result.reason).toBe("missing");
    expect(result.message).toBe(
      'No API key found for provider "anthropic". Auth is per agent. New agents don\'t inherit the main agent\'s keys. ' +
        "Re-run onboarding for that agent (`baton onboard --agent work`), or paste a setup-token / API key on the gateway host " +
        "(`baton models auth paste-token --provider anthropic --agent work`), or set ANTHROPIC_API_KEY (in the environment or <state>/.env), then verify with `baton models status`.",
    );
  });

  it("does not hand a new agent the main agent's keys", async () => {
    await seed({ "anthropic:default": apiKey(keyA) }, "main");
    const r = await resolver({ agentId: "work" });
    expect(unavailable(await r.next({ provider: "anthropic", model: MODEL })).reason).toBe("missing");
  });

  it("falls back to ANTHROPIC_API_KEY / OPENROUTER_API_KEY", async () => {
    const r = await resolver({ env: { ANTHROPIC_API_KEY: keyA, OPENROUTER_API_KEY: "sk-or-v1-0123456789abcdef" } });
    expect(await r.next({ provider: "anthropic", model: MODEL })).toEqual({ profileId: "env:ANTHROPIC_API_KEY", provider: "anthropic", kind: "apiKey", secret: keyA, source: "env" });
    expect(credential(await r.next({ provider: "openrouter", model: "x" })).profileId).toBe("env:OPENROUTER_API_KEY");
  });

  it("names the configured profile that has no stored credential", async () => {
    const r = await resolver({ config: { auth: { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key" } } } } });
    const result = unavailable(await r.next({ provider: "anthropic", model: MODEL }));
    expect(result.reason).toBe("missing");
    expect(result.message).toBe(
      "No credentials found for profile anthropic:default for agent main. Auth is per agent. New agents don't inherit the main agent's keys. " +
        "Run `baton models status --agent main` to see which auth profile is active. Re-run onboarding (`baton onboard --agent main`), " +
        "or paste a setup-token / API key for that profile (`baton models auth paste-token --provider anthropic --profile-id anthropic:default --agent main`).",
    );
  });

  it("keeps env-credential cooldowns in memory", async () => {
    const r = await resolver({ env: { ANTHROPIC_API_KEY: keyA } });
    expect(await r.reportFailure("env:ANTHROPIC_API_KEY", MODEL, { failureClass: "rate_limit", retryAfterMs: 60_000 }, 0)).toEqual({ action: "next" });
    const result = unavailable(await r.next({ provider: "anthropic", model: MODEL }));
    expect(result).toMatchObject({ reason: "all_unusable", soonestAt: NOW + 60_000 });
    expect(credential(await r.next({ provider: "anthropic", model: "claude-haiku-4-5" })).source).toBe("env");
    expect(fs.existsSync(paths.authStorePath("main"))).toBe(false);
    await r.reportSuccess("env:ANTHROPIC_API_KEY", MODEL);
    expect(credential(await r.next({ provider: "anthropic", model: MODEL })).source).toBe("env");
  });
});

describe("next: stored profiles", () => {
  it("prefers stored profiles over the environment and hands out the right credential kind", async () => {
    await seed({ "anthropic:manual": { type: "token", provider: "anthropic", token: "sk-ant-oat01-tok" } });
    const r = await resolver({ env: { ANTHROPIC_API_KEY: keyA } });
    expect(await r.next({ provider: "anthropic", model: MODEL })).toEqual({ profileId: "anthropic:manual", provider: "anthropic", kind: "authToken", secret: "sk-ant-oat01-tok", source: "profile" });
  });

  it("rotates least recently used first", async () => {
    await seed({ "anthropic:a": apiKey(keyA), "anthropic:b": apiKey(keyB) });
    const r = await resolver();
    const first = credential(await r.next({ provider: "anthropic", model: MODEL })).profileId;
    clock += 1000;
    await r.reportSuccess(first, MODEL);
    const second = credential(await r.next({ provider: "anthropic", model: MODEL })).profileId;
    expect([first, second].sort()).toEqual(["anthropic:a", "anthropic:b"]);
  });

  it("moves on after a failure, honours exclude and the stored cooldown, and reports when all are unusable", async () => {
    await seed({ "anthropic:a": apiKey(keyA), "anthropic:b": apiKey(keyB) });
    const r = await resolver({ config: { auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } } });
    expect(credential(await r.next({ provider: "anthropic", model: MODEL })).profileId).toBe("anthropic:a");
    const decision = await r.reportFailure("anthropic:a", MODEL, { failureClass: "rate_limit", retryAfterMs: 120_000, message: `429 for ${keyA}` }, 0);
    expect(decision).toEqual({ action: "next" });
    expect(credential(await r.next({ provider: "anthropic", model: MODEL, exclude: new Set(["anthropic:a"]) })).profileId).toBe("anthropic:b");
    // another process / turn sees the stored cooldown
    const other = await resolver({ config: { auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } } });
    expect(credential(await other.next({ provider: "anthropic", model: MODEL })).profileId).toBe("anthropic:b");
    // the cooldown is per model
    expect(credential(await other.next({ provider: "anthropic", model: "claude-haiku-4-5" })).profileId).toBe("anthropic:a");

    await r.reportFailure("anthropic:b", MODEL, { failureClass: "auth" }, 0);
    const result = unavailable(await r.next({ provider: "anthropic", model: MODEL }));
    expect(result.reason).toBe("all_unusable");
    expect(result.soonestAt).toBe(NOW + 30_000);
    expect(result.unusable).toEqual([
      { profileId: "anthropic:b", kind: "rejected", reason: "auth", until: NOW + 30_000, remainingMs: 30_000 },
      { profileId: "anthropic:a", kind: "cooldown", reason: "rate_limit", until: NOW + 120_000, remainingMs: 120_000, model: MODEL, lastError: "429 for sk-ant-a…AAAA" },
    ]);
    expect(result.message).toMatch(/^No available auth profile for anthropic \(all in cooldown\/unavailable\)\. The soonest, anthropic:b, frees up in 30s/);
    expect(result.message).toContain("Check `baton models status --json` for auth.unusableProfiles. Add another anthropic profile or wait for cooldown.");

    const stats = (await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:a"] as StoredUsageStats;
    expect(stats.lastFailure).toMatchObject({ failureClass: "rate_limit", model: MODEL, at: NOW });
    expect(stats.lastFailure?.message).not.toContain(keyA);

    clock += 31_000;
    expect(credential(await r.next({ provider: "anthropic", model: MODEL })).profileId).toBe("anthropic:b");
  });

  it("retries overloaded and timed-out calls before moving on, without cooling down meanwhile", async () => {
    await seed({ "anthropic:a": apiKey(keyA) });
    const r = await resolver();
    expect(await r.reportFailure("anthropic:a", MODEL, { failureClass: "overloaded" }, 0)).toEqual({ action: "retry", delayMs: 1000 });
    expect(await r.reportFailure("anthropic:a", MODEL, { failureClass: "overloaded" }, 1)).toEqual({ action: "retry", delayMs: 2000 });
    expect((await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:a"]).toBeUndefined();
    expect(await r.reportFailure("anthropic:a", MODEL, { failureClass: "overloaded" }, 2)).toEqual({ action: "next" });
    expect((await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:a"].modelCooldowns[MODEL]).toMatchObject({ until: NOW + 30_000, reason: "overloaded" });
    expect(await r.reportFailure("anthropic:a", MODEL, { failureClass: "timeout" }, 0)).toEqual({ action: "retry", delayMs: 1000 });
    expect(await r.reportFailure("anthropic:a", MODEL, { failureClass: "timeout" }, 1)).toEqual({ action: "next" });
  });

  it("stops on request errors without any cooldown", async () => {
    await seed({ "anthropic:a": apiKey(keyA) });
    const r = await resolver();
    expect(await r.reportFailure("anthropic:a", MODEL, { failureClass: "request", message: "prompt too long" }, 0)).toEqual({ action: "stop" });
    expect(credential(await r.next({ provider: "anthropic", model: MODEL })).profileId).toBe("anthropic:a");
  });

  it("a success clears the profile's cooldown and last failure", async () => {
    await seed({ "anthropic:a": apiKey(keyA) });
    const r = await resolver();
    await r.reportFailure("anthropic:a", MODEL, { failureClass: "billing", message: "Your credit balance is too low" }, 0);
    expect(unavailable(await r.next({ provider: "anthropic", model: MODEL })).unusable[0]).toMatchObject({ kind: "disabled", reason: "billing", until: NOW + 5 * 3_600_000 });
    await r.reportSuccess("anthropic:a", MODEL);
    const stats = (await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:a"] as StoredUsageStats;
    expect(stats).toMatchObject({ disabledUntil: 0, errorCount: 0, lastUsed: NOW });
    expect(stats.lastFailure).toBeUndefined();
  });
});

describe("next: session pin", () => {
  it("uses the pinned profile even in cooldown (a probe)", async () => {
    await seed({ "anthropic:a": apiKey(keyA), "anthropic:b": apiKey(keyB) });
    const r = await resolver();
    await r.reportFailure("anthropic:a", MODEL, { failureClass: "auth" }, 0);
    expect(credential(await r.next({ provider: "anthropic", model: MODEL, pinnedProfileId: "anthropic:a" })).secret).toBe(keyA);
  });

  it("refuses a pin with nothing stored, naming the profile", async () => {
    await seed({ "anthropic:a": apiKey(keyA) });
    const r = await resolver();
    const result = unavailable(await r.next({ provider: "anthropic", model: MODEL, pinnedProfileId: "anthropic:default" }));
    expect(result.reason).toBe("pin_missing");
    expect(result.message).toMatch(/^No credentials found for profile anthropic:default\. Run `baton models status` to see which auth profile is active\. Re-run onboarding, or paste a setup-token \/ API key for that profile/);
  });

  it.each([
    ["another provider's profile", { type: "api_key", provider: "openrouter", key: "sk-or-v1-0123456789abcdef" } as AuthProfile, /openrouter credential/],
    ["an expired static token", { type: "token", provider: "anthropic", token: "sk-ant-oat01-x", expires: NOW - 1 } as AuthProfile, /has expired\. Re-run `claude setup-token`/],
  ])("refuses a pin to %s", async (_name, profile, message) => {
    await seed({ "anthropic:p": profile });
    const r = await resolver();
    const result = unavailable(await r.next({ provider: "anthropic", model: MODEL, pinnedProfileId: "anthropic:p" }));
    expect(result.reason).toBe("pin_unusable");
    expect(result.message).toMatch(message);
  });

  it("can pin the environment credential", async () => {
    const r = await resolver({ env: { ANTHROPIC_API_KEY: keyA } });
    expect(credential(await r.next({ provider: "anthropic", model: MODEL, pinnedProfileId: "env:ANTHROPIC_API_KEY" })).source).toBe("env");
  });
});

describe("next: OAuth and Claude Code", () => {
  it("syncs Claude Code credentials at creation and refreshes them through the token endpoint when expired", async () => {
    oauthServer = await startFakeOAuthServer();
    fs.mkdirSync(path.join(dir, ".claude"));
    fs.writeFileSync(
      paths.claudeCredentialsPath,
      JSON.stringify({ claudeAiOauth: { accessToken: "sk-ant-oat01-stale", refreshToken: "sk-ant-ort01-refresh", expiresAt: NOW + 60_000 } }),
    );
    oauthServer.enqueue({ kind: "tokens", accessToken: "sk-ant-oat01-fresh", refreshToken: "sk-ant-ort01-next", expiresIn: 28_800 });
    const r = await resolver({ config: { auth: { oauth: { tokenUrl: oauthServer.url } } } });
    expect(r.claudeSync.status).toBe("created");
    expect(await r.next({ provider: "anthropic", model: MODEL })).toEqual({
      profileId: "anthropic:claude-cli",
      provider: "anthropic",
      kind: "authToken",
      secret: "sk-ant-oat01-fresh",
      source: "profile",
    });
    expect(oauthServer.requests.map((q) => q.refresh_token)).toEqual(["sk-ant-ort01-refresh"]);
    expect((await readAuthStore(paths.authStorePath("main"))).profiles["anthropic:claude-cli"]).toMatchObject({ refresh: "sk-ant-ort01-next", expires: NOW + 28_800_000 });
  });

  it("a failed refresh is an auth failure: the next profile is used, and when none is left the user gets the refresh advice", async () => {
    oauthServer = await startFakeOAuthServer();
    oauthServer.acceptRefreshTokens([]);
    await seed({ "anthropic:claude-cli": { type: "oauth", provider: "anthropic", access: "old", refresh: "revoked", expires: NOW - 1 }, "anthropic:b": apiKey(keyB) });
    const config = { auth: { oauth: { tokenUrl: oauthServer.url }, order: { anthropic: ["anthropic:claude-cli", "anthropic:b"] } } };
    const r = await resolver({ config });
    expect(credential(await r.next({ provider: "anthropic", model: MODEL })).profileId).toBe("anthropic:b");
    expect((await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:claude-cli"]).toMatchObject({ cooldownUntil: NOW + 30_000 });

    clock += 31_000;
    const result = unavailable(await r.next({ provider: "anthropic", model: MODEL, exclude: new Set(["anthropic:b"]) }));
    expect(result.reason).toBe("all_unusable");
    expect(result.message).toMatch(/^OAuth token refresh failed for anthropic:claude-cli: HTTP 400 invalid_grant/);
    expect(result.message).toContain(
      "Re-run `claude setup-token` and paste it with `baton models auth paste-token --provider anthropic --profile-id anthropic:claude-cli`, or resync Claude Code CLI OAuth on the gateway host.",
    );

    const pinned = unavailable(await r.next({ provider: "anthropic", model: MODEL, pinnedProfileId: "anthropic:claude-cli" }));
    expect(pinned.reason).toBe("pin_unusable");
    expect(pinned.message).toMatch(/^OAuth token refresh failed for anthropic:claude-cli/);
  });
});

describe("describe", () => {
  it("lists the ordered profiles with masked secrets and the one next() would pick", async () => {
    await seed({ "anthropic:a": apiKey(keyA), "anthropic:b": apiKey(keyB) });
    const r = await resolver({ config: { auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } } });
    await r.reportFailure("anthropic:a", MODEL, { failureClass: "rate_limit" }, 0);
    const description = await r.describe("anthropic", MODEL);
    expect(description).toEqual({
      provider: "anthropic",
      model: MODEL,
      source: "profile",
      next: "anthropic:b",
      profiles: [
        { profileId: "anthropic:b", type: "api_key", secret: "sk-ant-a…BBBB", usable: true, until: null, remainingMs: null },
        { profileId: "anthropic:a", type: "api_key", secret: "sk-ant-a…AAAA", usable: false, kind: "cooldown", reason: "rate_limit", until: NOW + 30_000, remainingMs: 30_000, model: MODEL },
      ],
      outsideOrder: [],
    });
    expect(JSON.stringify(description)).not.toContain(keyA);
  });

  it("agrees with `baton models status` on the profile in use and on the advice when none is usable", async () => {
    await seed({ "anthropic:a": apiKey(keyA), "anthropic:b": apiKey(keyB) });
    const config = { auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } };
    const r = await resolver({ config });
    const status = async () => {
      const store = await readAuthStore(paths.authStorePath("main"));
      const report = buildModelsStatus({ agentId: "main", configPath: "", stateDir: "", storePath: "", config: BatonConfig.parse(config), env: {}, store, now: clock });
      return report.auth.providers.find((p) => p.provider === "anthropic")!;
    };
    await r.reportFailure("anthropic:a", MODEL, { failureClass: "auth" }, 0);
    expect((await r.describe("anthropic", MODEL)).next).toBe("anthropic:b");
    expect((await status()).effective).toMatchObject({ source: "profile", profileId: "anthropic:b", secret: "sk-ant-a…BBBB" });
    await r.reportFailure("anthropic:b", MODEL, { failureClass: "billing" }, 0);
    const described = await r.describe("anthropic", MODEL);
    expect(described.next).toBeNull();
    expect(described.message).toMatch(/^No available auth profile for anthropic/);
    expect((await status()).message).toBe(described.message);
  });

  it("describes the environment fallback and the missing case", async () => {
    expect(await (await resolver({ env: { ANTHROPIC_API_KEY: keyA } })).describe("anthropic", MODEL)).toMatchObject({
      source: "env",
      next: "env:ANTHROPIC_API_KEY",
      profiles: [{ profileId: "env:ANTHROPIC_API_KEY", type: "env", secret: "sk-ant-a…AAAA", usable: true }],
    });
    const missing = await (await resolver()).describe("anthropic", MODEL);
    expect(missing).toMatchObject({ source: "missing", next: null, profiles: [] });
    expect(missing.message).toMatch(/^No API key found for provider "anthropic"/);
  });
});

describe("rate-limit headroom (the real provider against the Anthropic fake)", () => {
  const ORDER = { auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } };
  const REF = `anthropic/${MODEL}`;
  let fake: FakeAnthropic;
  let provider: Provider;

  beforeEach(async () => {
    fake = await startFakeAnthropic({ now: () => clock });
    provider = createAnthropicProvider({ baseUrl: fake.url });
    await seed({ "anthropic:a": apiKey(keyA), "anthropic:b": apiKey(keyB) });
  });
  afterEach(async () => {
    await fake.close();
  });

  const turn = (r: CredentialResolver, text = "hi") =>
    executeTurn({ resolver: async () => r, provider: async () => provider }, { model: REF, fallbacks: [], messages: [{ role: "user", content: text }], maxTokens: 100 });
  const answeredBy = async (r: CredentialResolver) => {
    const outcome = await turn(r);
    if (!outcome.ok) throw new Error(`turn failed: ${outcome.message}`);
    return outcome.profileId;
  };
  const sentWith = (key: string) => fake.requests.filter((request) => request.credential === key).length;

  it("does not retry a profile that another call put in cooldown during the retry pause: the turn moves on", async () => {
    const r = await resolver({ config: ORDER });
    fake.script(keyA, { error: { status: 529, type: "overloaded_error", message: "Overloaded" } });
    const outcome = await executeTurn(
      {
        resolver: async () => r,
        provider: async () => provider,
        // meanwhile, another chat's call on the same key gets a 429
        sleep: async () => void (await r.reportFailure("anthropic:a", MODEL, { failureClass: "rate_limit", retryAfterMs: 20_000 }, 0)),
      },
      { model: REF, fallbacks: [], messages: [{ role: "user", content: "hi" }], maxTokens: 100 },
    );
    expect(outcome).toMatchObject({ ok: true, profileId: "anthropic:b" });
    expect(sentWith(keyA)).toBe(1);
    expect(sentWith(keyB)).toBe(1);
  });

  it("the first profile serves while it has headroom, then the next; the spent one gets no request until its reset", async () => {
    fake.setRateLimits(keyA, { requests: 3, windowMs: 10_000 });
    const r = await resolver({ config: ORDER });
    const served = [];
    for (let i = 0; i < 5; i++) served.push(await answeredBy(r));
    expect(served).toEqual(["anthropic:a", "anthropic:a", "anthropic:a", "anthropic:b", "anthropic:b"]);
    expect(sentWith(keyA)).toBe(3); // no fourth request, so no 429
    expect((await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:a"]?.modelCooldowns ?? {}).toEqual({});
    // another model of the same key is not held back by this model's limit
    expect(credential(await r.next({ provider: "anthropic", model: "claude-haiku-4-5" })).profileId).toBe("anthropic:a");
    r.release("anthropic:a", "claude-haiku-4-5");
    clock += 10_000;
    expect(await answeredBy(r)).toBe("anthropic:a");
  });

  it("does not send a call whose max_tokens exceeds the output tokens left", async () => {
    fake.setRateLimits(keyA, { requests: 100, outputTokens: 150, windowMs: 10_000 });
    fake.setDefault({ reply: "x".repeat(400) }); // 100 tokens: the turn's whole max_tokens
    const r = await resolver({ config: ORDER });
    expect(await answeredBy(r)).toBe("anthropic:a"); // 50 output tokens left
    expect(await answeredBy(r)).toBe("anthropic:b");
    expect(sentWith(keyA)).toBe(1);
  });

  it("counts calls in flight against what remains", async () => {
    fake.setRateLimits(keyA, { requests: 3, windowMs: 10_000 });
    const r = await resolver({ config: ORDER });
    expect(await answeredBy(r)).toBe("anthropic:a"); // reports 2 left
    fake.setDefault({ reply: "slow", delayMs: 150 });
    const served = await Promise.all([answeredBy(r), answeredBy(r), answeredBy(r)]);
    expect(served.sort()).toEqual(["anthropic:a", "anthropic:a", "anthropic:b"]);
    expect(sentWith(keyA)).toBe(3);
  });

  it("sends one call to a profile never heard from and the others elsewhere, or waits for its headers", async () => {
    await seed({ "anthropic:b": apiKey("") });
    const r = await resolver({ config: ORDER });
    const first = credential(await r.next({ provider: "anthropic", model: MODEL }));
    expect(first.profileId).toBe("anthropic:a");
    let second: ResolvedCredential | CredentialUnavailable | undefined;
    const waiting = r.next({ provider: "anthropic", model: MODEL }).then((result) => (second = result));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(second).toBeUndefined();
    r.observe("anthropic:a", MODEL, { observedAt: clock, requests: { limit: 50, remaining: 49, resetAt: clock + 60_000 } });
    await waiting;
    expect(credential(second!).profileId).toBe("anthropic:a");
  });

  it("/stop ends a turn that waits for headroom, without a request", async () => {
    await seed({ "anthropic:b": apiKey("") });
    const r = await resolver({ config: ORDER });
    credential(await r.next({ provider: "anthropic", model: MODEL })); // a's first call, still out
    const stop = new AbortController();
    const outcome = executeTurn(
      { resolver: async () => r, provider: async () => provider },
      { model: REF, fallbacks: [], messages: [{ role: "user", content: "hi" }], maxTokens: 100, signal: stop.signal },
    );
    setTimeout(() => stop.abort(), 50);
    expect(await outcome).toMatchObject({ ok: false, aborted: true });
    expect(fake.requests).toHaveLength(0);
  });

  it("a 429 cools the (profile, model) down until the reported reset, not the ladder", async () => {
    fake.script(keyA, {
      error: { status: 429, type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" },
      retryAfterSeconds: 5,
      headers: { "anthropic-ratelimit-output-tokens-remaining": "0", "anthropic-ratelimit-output-tokens-reset": new Date(clock + 45_000).toISOString() },
    });
    const r = await resolver({ config: ORDER });
    expect(await answeredBy(r)).toBe("anthropic:b");
    const stats = (await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:a"];
    expect(stats.modelCooldowns[MODEL]).toMatchObject({ until: NOW + 45_000, reason: "rate_limit" });
    clock += 44_000;
    expect(await answeredBy(r)).toBe("anthropic:b");
    expect(sentWith(keyA)).toBe(1);
    clock += 1_000;
    expect(await answeredBy(r)).toBe("anthropic:a");
  });

  it("a subscription token whose window is used up is skipped until the window resets", async () => {
    const token = `sk-ant-oat01-${"t".repeat(60)}TTTT`;
    await seed({ "anthropic:sub": { type: "token", provider: "anthropic", token } });
    fake.setRateLimits(token, { requests: 1, windowMs: 60_000 });
    const r = await resolver({ config: { auth: { order: { anthropic: ["anthropic:sub", "anthropic:a"] } } } });
    expect(await answeredBy(r)).toBe("anthropic:sub"); // utilization 1 from now on
    expect(await answeredBy(r)).toBe("anthropic:a");
    expect(sentWith(token)).toBe(1);
    clock += 60_000;
    expect(await answeredBy(r)).toBe("anthropic:sub");
  });

  it("with rateLimitHeaders false, only 429s steer: retry-after decides the cooldown", async () => {
    fake.setRateLimits(keyA, { requests: 1, windowMs: 10_000 });
    const r = await resolver({ config: { ...ORDER, models: { providers: { anthropic: { rateLimitHeaders: false } } } } });
    expect(await answeredBy(r)).toBe("anthropic:a");
    expect(await answeredBy(r)).toBe("anthropic:b"); // a was asked and said 429
    expect(sentWith(keyA)).toBe(2);
    expect((await readAuthStore(paths.authStorePath("main"))).usageStats["anthropic:a"].modelCooldowns[MODEL]).toMatchObject({ until: NOW + 10_000 });
  });
});
