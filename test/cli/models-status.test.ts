import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type CliHome, fakeSecret, freshHomeForEachTest, json, readJson, runBaton, writeJson } from "./helpers.js";

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

const H = 3_600_000;
const storeWith = (profiles: Record<string, unknown>, extra: Record<string, unknown> = {}) => writeJson(home.storePath(), { version: 1, profiles, ...extra });

describe("baton models status", () => {
  it("with nothing set up explains the missing key (seed text) and --check exits 1", async () => {
    const human = await runBaton(home, ["models", "status"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('No API key found for provider "anthropic". Auth is per agent. New agents don\'t inherit the main agent\'s keys.');
    expect(human.stdout).toContain("`baton onboard --agent main`");
    expect(human.stdout).not.toContain("\u001b["); // NO_COLOR
    const checked = await runBaton(home, ["models", "status", "--check"]);
    expect(checked.code).toBe(1);
  });

  it("--json has the documented fields", async () => {
    const key = fakeSecret("api-key");
    storeWith({ "anthropic:default": { type: "api_key", provider: "anthropic", key } });
    const result = await runBaton(home, ["models", "status", "--json"]);
    expect(result.code).toBe(0);
    const report = json(result);
    expect(report).toMatchObject({
      agentId: "main",
      configPath: home.configPath,
      stateDir: home.stateDir,
      defaultModel: "anthropic/claude-opus-4-5",
      auth: {
        providers: [{ provider: "anthropic", inUse: true, effective: { source: "profile", profileId: "anthropic:default", type: "api_key", secret: `${key.slice(0, 8)}…${key.slice(-4)}` } }],
        profiles: [{ id: "anthropic:default", type: "api_key", secret: `${key.slice(0, 8)}…${key.slice(-4)}`, expires: null, status: "static" }],
        unusableProfiles: [],
      },
    });
  });

  it.each([
    { name: "a static API key", shape: { type: "api_key", key: "API" }, code: 0 },
    { name: "a token valid for 30 days", shape: { type: "token", token: "TOKEN", expires: 30 * 24 * H }, code: 0 },
    { name: "a token expiring in 5 hours", shape: { type: "token", token: "TOKEN", expires: 5 * H }, code: 2 },
    { name: "an expired token", shape: { type: "token", token: "TOKEN", expires: -H }, code: 1 },
    { name: "OAuth with a refresh token whose access token expires in 10 minutes", shape: { type: "oauth", access: "TOKEN", refresh: "REFRESH", expires: 10 * 60_000 }, code: 0 },
    { name: "OAuth without a refresh token expiring in 2 hours", shape: { type: "oauth", access: "TOKEN", expires: 2 * H }, code: 2 },
  ])("--check with $name exits $code", async ({ shape, code }) => {
    const profile: Record<string, unknown> = { provider: "anthropic", ...shape };
    if (profile.key) profile.key = fakeSecret("api-key");
    if (profile.token) profile.token = fakeSecret("setup-token");
    if (profile.access) profile.access = fakeSecret("oauth-access");
    if (profile.refresh) profile.refresh = fakeSecret("oauth-refresh");
    if (typeof profile.expires === "number") profile.expires = Date.now() + (profile.expires as number);
    storeWith({ "anthropic:x": profile });
    const result = await runBaton(home, ["models", "status", "--check"]);
    expect(result.code, result.stdout + result.stderr).toBe(code);
  });

  it("uses ANTHROPIC_API_KEY from the environment or <state>/.env when no profile is stored", async () => {
    const key = fakeSecret("api-key");
    const fromEnv = json(await runBaton(home, ["models", "status", "--json"], { env: { ANTHROPIC_API_KEY: key } }));
    expect(fromEnv.auth.providers[0].effective).toEqual({ source: "env", envVar: "ANTHROPIC_API_KEY", type: "env", secret: `${key.slice(0, 8)}…${key.slice(-4)}` });

    fs.mkdirSync(home.stateDir, { recursive: true });
    fs.writeFileSync(home.envFile, `ANTHROPIC_API_KEY=${key}\n`, { mode: 0o600 });
    const fromDotenv = await runBaton(home, ["models", "status", "--check"]);
    expect(fromDotenv.code).toBe(0);
    expect(fromDotenv.stdout).toMatch(/anthropic\s+env ANTHROPIC_API_KEY/);
  });

  it("names a configured profile that has no credential (seed text)", async () => {
    writeJson(home.configPath, { auth: { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key" } } } });
    const result = await runBaton(home, ["models", "status"]);
    expect(result.stdout).toContain("No credentials found for profile anthropic:default for agent main. Auth is per agent. New agents don't inherit the main agent's keys.");
    expect(result.stdout).toMatch(/anthropic:default\s+-\s+\(none\)\s+-\s+missing/);
    expect((await runBaton(home, ["models", "status", "--check"])).code).toBe(1);
  });

  it("when every profile is in cooldown says so, with when one frees up, and lists auth.unusableProfiles", async () => {
    const now = Date.now();
    storeWith(
      { "anthropic:default": { type: "api_key", provider: "anthropic", key: fakeSecret("api-key") }, "anthropic:claude-cli": { type: "token", provider: "anthropic", token: fakeSecret("setup-token") } },
      {
        usageStats: {
          "anthropic:default": { cooldownUntil: now + 25 * 60_000, errorCount: 3, failureCounts: { auth: 3 } },
          "anthropic:claude-cli": { modelCooldowns: { "claude-opus-4-5": { until: now + 90_000, count: 2, reason: "rate_limit", lastFailureAt: now } } },
        },
      },
    );
    const human = await runBaton(home, ["models", "status"]);
    expect(human.stdout).toContain("No available auth profile for anthropic (all in cooldown/unavailable). The soonest, anthropic:claude-cli, frees up in");
    expect(human.stdout).toContain("Check `baton models status --json` for auth.unusableProfiles. Add another anthropic profile or wait for cooldown.");
    const report = json(await runBaton(home, ["models", "status", "--json"]));
    expect(report.auth.unusableProfiles).toEqual([
      { profileId: "anthropic:claude-cli", kind: "cooldown", reason: "rate_limit", until: now + 90_000, remainingMs: expect.any(Number), model: "claude-opus-4-5" },
      { profileId: "anthropic:default", kind: "rejected", reason: "auth", until: now + 25 * 60_000, remainingMs: expect.any(Number) },
    ]);
    expect(report.auth.profiles.find((p: any) => p.id === "anthropic:default").status).toBe("rejected (auth)");
  });

  it("a revoked API key (401) is rejected, not a 30 s cooldown: --check 1 until a clear or a new key; other kinds keep 0/2", async () => {
    const now = Date.now();
    const key = fakeSecret("api-key");
    const revoked = {
      cooldownUntil: now + 30_000,
      errorCount: 1,
      failureCounts: { auth: 1 },
      lastFailureAt: now,
      lastFailure: { failureClass: "auth", model: "claude-opus-4-5", at: now, message: `Anthropic API error 401 authentication_error: invalid x-api-key ${key}` },
    };
    storeWith({ "anthropic:default": { type: "api_key", provider: "anthropic", key }, "anthropic:spare": { type: "api_key", provider: "anthropic", key: fakeSecret("api-key") } }, { usageStats: { "anthropic:default": revoked } });
    const human = await runBaton(home, ["models", "status"]);
    expect(human.stdout).toMatch(/anthropic:default\s+api_key\s+\S+\s+-\s+rejected \(401: invalid x-api-key sk-ant-a….{4}\)/);
    expect(human.stdout).not.toMatch(/anthropic:default.*cooldown 30s/);
    expect(human.stdout).toContain("(--check exits 1)");
    const report = json(await runBaton(home, ["models", "status", "--json"]));
    expect(report.auth.unusableProfiles).toEqual([
      { profileId: "anthropic:default", kind: "rejected", reason: "auth", until: now + 30_000, remainingMs: expect.any(Number), lastError: `401 authentication_error: invalid x-api-key ${key.slice(0, 8)}…${key.slice(-4)}` },
    ]);
    expect((await runBaton(home, ["models", "status", "--check"])).code).toBe(1);

    // past its retry time it stays rejected (until null) and still fails the check
    storeWith({ "anthropic:default": { type: "api_key", provider: "anthropic", key } }, { usageStats: { "anthropic:default": { ...revoked, cooldownUntil: now - 1 } } });
    expect(json(await runBaton(home, ["models", "status", "--json"])).auth.unusableProfiles).toEqual([expect.objectContaining({ kind: "rejected", until: null, remainingMs: null })]);
    expect((await runBaton(home, ["models", "status", "--check"])).code).toBe(1);

    expect((await runBaton(home, ["models", "auth", "cooldown", "clear", "anthropic:default"])).code).toBe(0);
    expect((await runBaton(home, ["models", "status", "--check"])).code).toBe(0);

    // a rejected key beside a token expiring within 24 h: 1 wins; the expiring token alone: 2
    storeWith(
      { "anthropic:default": { type: "api_key", provider: "anthropic", key }, "anthropic:t": { type: "token", provider: "anthropic", token: fakeSecret("setup-token"), expires: now + 5 * H } },
      { usageStats: { "anthropic:default": revoked } },
    );
    expect((await runBaton(home, ["models", "status", "--check"])).code).toBe(1);
    storeWith({ "anthropic:t": { type: "token", provider: "anthropic", token: fakeSecret("setup-token"), expires: now + 5 * H } });
    expect((await runBaton(home, ["models", "status", "--check"])).code).toBe(2);
  });

  it("syncs Claude Code credentials into anthropic:claude-cli (oauth with a refresh token) and honours CLAUDE_CONFIG_DIR", async () => {
    const access = fakeSecret("oauth-access");
    const refresh = fakeSecret("oauth-refresh");
    const expiresAt = Date.now() + 8 * H;
    writeJson(home.claudeCredentialsPath, { claudeAiOauth: { accessToken: access, refreshToken: refresh, expiresAt, scopes: ["user:inference"] } });
    const report = json(await runBaton(home, ["models", "status", "--json"]));
    expect(report.auth.claudeCode).toEqual({ status: "created", profileId: "anthropic:claude-cli" });
    expect(report.auth.profiles).toEqual([expect.objectContaining({ id: "anthropic:claude-cli", type: "oauth", refreshable: true, status: "ok", expires: expiresAt })]);
    expect(readJson(home.storePath()).profiles["anthropic:claude-cli"]).toEqual({ type: "oauth", provider: "anthropic", access, refresh, expires: expiresAt });
    expect(json(await runBaton(home, ["models", "status", "--json"])).auth.claudeCode.status).toBe("unchanged");

    const otherDir = path.join(home.home, "claude-elsewhere");
    const token = fakeSecret("setup-token");
    writeJson(path.join(otherDir, ".credentials.json"), { claudeAiOauth: { accessToken: token, expiresAt: Date.now() + 300 * 24 * H } });
    const other = json(await runBaton(home, ["models", "status", "--json", "--agent", "other"], { env: { CLAUDE_CONFIG_DIR: otherDir } }));
    expect(other.auth.profiles).toEqual([expect.objectContaining({ id: "anthropic:claude-cli", type: "token", status: "ok" })]);
  });

  it("fails on a corrupt store naming the path and the parse error, leaving the file untouched", async () => {
    const key = fakeSecret("api-key");
    const content = `{"version":1,"profiles":{"anthropic:default":{"type":"api_key","provider":"anthropic","key":"${key}"`;
    fs.mkdirSync(path.dirname(home.storePath()), { recursive: true });
    fs.writeFileSync(home.storePath(), content, { mode: 0o600 });
    const result = await runBaton(home, ["models", "status", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot use the auth store ${home.storePath()}: invalid JSON:`);
    expect(fs.readFileSync(home.storePath(), "utf8")).toBe(content);
    const paste = await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic"], { input: fakeSecret("setup-token") });
    expect(paste.code).toBe(1);
    expect(paste.stderr).toContain(home.storePath());
    expect(fs.readFileSync(home.storePath(), "utf8")).toBe(content);
  });

  it("reports an invalid config with its location and exits 1", async () => {
    fs.mkdirSync(home.stateDir, { recursive: true });
    fs.writeFileSync(home.configPath, "{ auth: { profiles: { 'anthropic:x': { provider: 'anthropic', mode: 'bogus' } } } }");
    const result = await runBaton(home, ["models", "status"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(home.configPath);
    expect(result.stderr).toContain("mode");
  });
});
