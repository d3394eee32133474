import fs from "node:fs";
import path from "node:path";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { type CliHome, fakeSecret, fileMode, freshHomeForEachTest, json, readJson, runBaton, writeJson } from "./helpers.js";

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

const onboard = (agent = "main") => runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key"), "--agent", agent]);

describe("baton doctor", () => {
  it("passes on a set-up agent", async () => {
    await onboard();
    const result = await runBaton(home, ["doctor"]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/ok\s+config .* is valid/);
    expect(result.stdout).toMatch(/ok\s+agent main: credentials ok \(profile anthropic:default\)/);
    expect(result.stdout).toContain("No problems found.");
  });

  it("access: quiet on the safe defaults, warns on a channel open to everyone, fails when switching is open too", async () => {
    await onboard();
    const config = JSON5.parse(fs.readFileSync(home.configPath, "utf8"));
    const run = async (channels: unknown, commands?: unknown) => {
      fs.writeFileSync(home.configPath, JSON5.stringify({ ...config, channels, ...(commands ? { commands } : {}) }));
      const result = await runBaton(home, ["doctor", "--json"]);
      return { code: result.code, access: json(result).findings.filter((f: any) => f.check === "access") };
    };
    // pairing and the group allowlist are the defaults: nothing to say
    expect(await run({ telegram: { botToken: "123456:abc" } })).toEqual({ code: 0, access: [] });
    const open = await run({ telegram: { botToken: "123456:abc", dmPolicy: "open" } });
    expect(open.code).toBe(0);
    expect(open.access).toEqual([expect.objectContaining({ level: "warn", problem: false, message: expect.stringMatching(/^channels\.telegram is open to everyone \(DMs from anyone\)/) })]);
    // an old config: allowFrom ["*"] keeps working, and is open
    const legacy = await run({ discord: { token: "x", allowFrom: ["*"], guildPolicy: "open" } });
    expect(legacy.access).toEqual([expect.objectContaining({ level: "warn", message: expect.stringContaining("(DMs from anyone, any group it is added to)") })]);
    const wideOpen = await run({ telegram: { botToken: "123456:abc", dmPolicy: "open" } }, { allowFrom: ["*"] });
    expect(wideOpen.code).toBe(1);
    expect(wideOpen.access).toEqual([expect.objectContaining({ level: "error", problem: true, message: expect.stringContaining('Remove "*" from commands.allowFrom') })]);
  });

  it("pairing files: counted when healthy, a corrupt one fails with its path and is left alone, modes checked", async () => {
    await onboard();
    const dir = path.join(home.stateDir, "pairing");
    writeJson(path.join(dir, "telegram.json"), { version: 1, pending: [], approved: [{ userId: "7", approvedAt: 1 }] });
    const healthy = json(await runBaton(home, ["doctor", "--json"]));
    expect(healthy.ok).toBe(true);
    expect(healthy.findings).toContainEqual(expect.objectContaining({ check: "pairing", level: "ok", message: "telegram: 1 approved sender, 0 pending requests" }));

    const corrupt = path.join(dir, "discord.json");
    fs.writeFileSync(corrupt, "{ not json", { mode: 0o644 });
    const result = await runBaton(home, ["doctor"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  Cannot use the pairing file ${corrupt}: invalid JSON`);
    expect(result.stdout).toMatch(new RegExp(`${corrupt.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is mode 0644; it should be 0600`));
    await runBaton(home, ["doctor", "--fix"]);
    expect(fs.readFileSync(corrupt, "utf8")).toBe("{ not json");
    expect(fileMode(corrupt)).toBe(0o600);
  });

  it("flags agents without credentials with the per-agent note", async () => {
    await onboard("main");
    const config = JSON5.parse(fs.readFileSync(home.configPath, "utf8"));
    config.agents = { list: [{ id: "main", default: true }, { id: "work" }] };
    delete config.auth; // so the work agent's message is about the provider
    writeJson(home.configPath, config);
    const result = await runBaton(home, ["doctor"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL  agent work: No API key found for provider "anthropic". Auth is per agent. New agents don\'t inherit the main agent\'s keys.');
    expect(result.stdout).toMatch(/ok\s+agent main: credentials ok/);
  });

  it("finds wrong modes and --fix repairs them", async () => {
    await onboard();
    fs.chmodSync(home.storePath(), 0o644);
    fs.chmodSync(path.dirname(home.storePath()), 0o755);
    fs.chmodSync(home.stateDir, 0o755);
    fs.chmodSync(home.configPath, 0o644);

    const found = json(await runBaton(home, ["doctor", "--json"]));
    expect(found.ok).toBe(false);
    const permissionProblems = found.findings.filter((f: any) => f.check === "permissions");
    expect(permissionProblems.map((f: any) => f.path).sort()).toEqual([home.configPath, home.stateDir, path.dirname(home.storePath()), home.storePath()].sort());
    expect(permissionProblems.find((f: any) => f.path === home.storePath()).message).toMatch(/is mode 0644; it should be 0600/);

    const fixed = await runBaton(home, ["doctor", "--fix"]);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(fixed.stdout).toMatch(/fixed .*auth-profiles\.json is mode 0644/);
    expect(fileMode(home.storePath())).toBe(0o600);
    expect(fileMode(path.dirname(home.storePath()))).toBe(0o700);
    expect(fileMode(home.stateDir)).toBe(0o700);
    expect(fileMode(home.configPath)).toBe(0o600);
    expect((await runBaton(home, ["doctor"])).code).toBe(0);
  });

  it("finds a pending migration and --fix writes it back (keeping a .bak)", async () => {
    const token = fakeSecret("setup-token");
    writeJson(home.storePath(), { version: 1, profiles: { "anthropic:claude-cli": { type: "token", provider: "anthropic", token } } });
    fs.mkdirSync(home.stateDir, { recursive: true });
    const original = `{ auth: { profiles: { "anthropic:claude-cli": { provider: "anthropic", mode: "token" } } } }\n`;
    fs.writeFileSync(home.configPath, original, { mode: 0o600 });

    const found = await runBaton(home, ["doctor"]);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/warn\s+pending config migration: auth\.profiles\["anthropic:claude-cli"\]\.mode "token" -> "oauth"/);
    expect(found.stdout).toContain("Run `baton doctor --fix`");

    const fixed = await runBaton(home, ["doctor", "--fix"]);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(JSON5.parse(fs.readFileSync(home.configPath, "utf8")).auth.profiles["anthropic:claude-cli"].mode).toBe("oauth");
    expect(fs.readFileSync(`${home.configPath}.bak`, "utf8")).toBe(original);
    expect((await runBaton(home, ["doctor", "--json"])).code).toBe(0);
  });

  it("reports expired and expiring credentials, cooldowns with when they free up, and the Claude-Code-only advice", async () => {
    const now = Date.now();
    writeJson(home.storePath(), {
      version: 1,
      profiles: {
        "anthropic:old": { type: "token", provider: "anthropic", token: fakeSecret("setup-token"), expires: now - 1000 },
        "anthropic:soon": { type: "token", provider: "anthropic", token: fakeSecret("setup-token"), expires: now + 3 * 3_600_000 },
        "anthropic:sub": { type: "token", provider: "anthropic", token: fakeSecret("setup-token") },
        "anthropic:default": { type: "api_key", provider: "anthropic", key: fakeSecret("api-key") },
      },
      usageStats: {
        "anthropic:sub": {
          cooldownUntil: now + 60_000,
          lastFailure: { failureClass: "auth", at: now, message: "This credential is only authorized for use with Claude Code and cannot be used for other API requests." },
        },
        "anthropic:default": { disabledUntil: now + 5 * 3_600_000, disabledReason: "billing" },
      },
    });
    const result = await runBaton(home, ["doctor"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL\s+agent main: The credential of anthropic:old has expired\. Re-run `claude setup-token`/);
    expect(result.stdout).toMatch(/warn\s+agent main: anthropic:soon expires in (2h 59m|3h)/);
    expect(result.stdout).toMatch(/info\s+agent main: anthropic:sub cooldown \(auth\), frees up in (59s|1m) \(/);
    expect(result.stdout).toMatch(/info\s+agent main: anthropic:default disabled \(billing\), frees up in (4h 59m|5h) \(/);
    expect(result.stdout).toContain("anthropic:sub: Anthropic answered \"This credential is only authorized for use with Claude Code and cannot be used for other API requests.\" Use an Anthropic API key instead");
  });

  it("fails on a credential the provider rejected, with advice for its type, until it is cleared", async () => {
    const now = Date.now();
    const rejected = (message: string) => ({
      cooldownUntil: now - 1, // its retry time has passed: still rejected
      errorCount: 1,
      failureCounts: { auth: 1 },
      lastFailureAt: now - 60_000,
      lastFailure: { failureClass: "auth", at: now - 60_000, message },
    });
    writeJson(home.storePath(), {
      version: 1,
      profiles: {
        "anthropic:default": { type: "api_key", provider: "anthropic", key: fakeSecret("api-key") },
        "anthropic:sub": { type: "token", provider: "anthropic", token: fakeSecret("setup-token") },
      },
      usageStats: {
        "anthropic:default": rejected("Anthropic API error 401 authentication_error: invalid x-api-key"),
        "anthropic:sub": rejected("Anthropic API error 401 authentication_error: OAuth token has been revoked"),
      },
    });
    const result = await runBaton(home, ["doctor"]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("No problems found.");
    expect(result.stdout).toContain(
      "FAIL  agent main: anthropic:default was rejected by the provider (401: invalid x-api-key) and has not worked since. Create a new key in the Anthropic Console, then `baton models auth paste-token --provider anthropic --profile-id anthropic:default`.",
    );
    expect(result.stdout).toMatch(/FAIL\s+agent main: anthropic:sub was rejected by the provider \(401: OAuth token has been revoked\) and has not worked since\. Claude subscription auth can expire or be revoked: re-run `claude setup-token`/);
    const report = json(await runBaton(home, ["doctor", "--json"]));
    expect(report.findings.filter((f: any) => f.check === "credentials" && f.level === "error")).toHaveLength(2);

    await runBaton(home, ["models", "auth", "cooldown", "clear"]);
    const cleared = await runBaton(home, ["doctor"]);
    expect(cleared.code, cleared.stdout).toBe(0);
    expect(cleared.stdout).toContain("No problems found.");
  });

  it("syncs Claude Code credentials", async () => {
    writeJson(home.claudeCredentialsPath, { claudeAiOauth: { accessToken: fakeSecret("oauth-access"), refreshToken: fakeSecret("oauth-refresh"), expiresAt: Date.now() + 3_600_000 } });
    const result = await runBaton(home, ["doctor"]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/ok\s+synced Claude Code credentials into anthropic:claude-cli of agent main \(oauth\)/);
    expect(readJson(home.storePath()).profiles["anthropic:claude-cli"].type).toBe("oauth");
  });

  it("reports a corrupt store and an invalid config as problems", async () => {
    fs.mkdirSync(path.dirname(home.storePath()), { recursive: true });
    fs.writeFileSync(home.storePath(), "{ nope", { mode: 0o600 });
    fs.writeFileSync(home.configPath, "{ agents: { list: 5 } }", { mode: 0o600 });
    const report = json(await runBaton(home, ["doctor", "--json"]));
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: "config", level: "error", path: home.configPath, message: expect.stringContaining("agents.list") }),
        expect.objectContaining({ check: "store", level: "error", path: home.storePath(), message: expect.stringContaining(`Cannot use the auth store ${home.storePath()}: invalid JSON`) }),
      ]),
    );
    expect(fs.readFileSync(home.storePath(), "utf8")).toBe("{ nope");
  });
});
