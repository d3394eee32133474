import fs from "node:fs";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { type CliHome, fakeSecret, fileMode, freshHomeForEachTest, json, readJson, runBaton, writeJson } from "./helpers.js";

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

const config = () => JSON5.parse(fs.readFileSync(home.configPath, "utf8"));

describe("baton onboard (non-interactive)", () => {
  it("--anthropic-api-key alone stores anthropic:default and describes it in the config", async () => {
    const key = fakeSecret("api-key");
    const result = await runBaton(home, ["onboard", "--anthropic-api-key", key]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Saved anthropic:default (api_key ${key.slice(0, 8)}…${key.slice(-4)}) for agent main.`);
    expect(readJson(home.storePath())).toEqual({ version: 1, profiles: { "anthropic:default": { type: "api_key", provider: "anthropic", key } }, order: {}, usageStats: {} });
    expect(config()).toEqual({ auth: { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key" } } } });
    expect(fileMode(home.storePath())).toBe(0o600);
    expect(fileMode(home.stateDir)).toBe(0o700);
    expect(fs.existsSync(home.envFile)).toBe(false); // non-interactive never writes .env

    const status = await runBaton(home, ["models", "status", "--check"]);
    expect(status.code).toBe(0);
  });

  it("keeps the rest of an existing config (and a .bak of it)", async () => {
    fs.mkdirSync(home.stateDir, { recursive: true });
    const original = `// mine\n{ agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5" } } } }\n`;
    fs.writeFileSync(home.configPath, original);
    expect((await runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key")])).code).toBe(0);
    expect(config()).toEqual({
      agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5" } } },
      auth: { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key" } } },
    });
    expect(fs.readFileSync(`${home.configPath}.bak`, "utf8")).toBe(original);
  });

  it("--agent stores into that agent only", async () => {
    expect((await runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key"), "--agent", "work"])).code).toBe(0);
    expect(fs.existsSync(home.storePath("work"))).toBe(true);
    expect(fs.existsSync(home.storePath("main"))).toBe(false);
  });

  it("refuses a bad key and writes nothing", async () => {
    const key = fakeSecret("api-key");
    const result = await runBaton(home, ["onboard", "--anthropic-api-key", key.slice(0, 30)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Refused: the API key is 30 characters; a complete one has at least 40/);
    expect(fs.existsSync(home.storePath())).toBe(false);
    expect(fs.existsSync(home.configPath)).toBe(false);
  });

  it("--auth-choice setup-token reads the token from stdin", async () => {
    const token = fakeSecret("setup-token");
    const result = await runBaton(home, ["onboard", "--auth-choice", "setup-token"], { input: `${token}\n` });
    expect(result.code).toBe(0);
    expect(readJson(home.storePath()).profiles["anthropic:manual"]).toEqual({ type: "token", provider: "anthropic", token });
    expect(config().auth.profiles["anthropic:manual"]).toEqual({ provider: "anthropic", mode: "token" });
  });

  it("--auth-choice setup-token refuses an API key", async () => {
    const result = await runBaton(home, ["onboard", "--auth-choice", "setup-token"], { input: fakeSecret("api-key") });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/setup-token starts with "sk-ant-oat01-"/);
    expect(fs.existsSync(home.storePath())).toBe(false);
  });

  it("--auth-choice claude-cli syncs Claude Code credentials and writes mode oauth", async () => {
    const access = fakeSecret("oauth-access");
    const refresh = fakeSecret("oauth-refresh");
    writeJson(home.claudeCredentialsPath, { claudeAiOauth: { accessToken: access, refreshToken: refresh, expiresAt: Date.now() + 3_600_000 } });
    const result = await runBaton(home, ["onboard", "--auth-choice", "claude-cli"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/anthropic:claude-cli \(oauth, from .*\.credentials\.json\) was added to/);
    expect(readJson(home.storePath()).profiles["anthropic:claude-cli"]).toMatchObject({ type: "oauth", access, refresh });
    expect(config().auth.profiles["anthropic:claude-cli"]).toEqual({ provider: "anthropic", mode: "oauth" });
  });

  it("--auth-choice claude-cli without Claude Code credentials explains what to do", async () => {
    const result = await runBaton(home, ["onboard", "--auth-choice", "claude-cli"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`No Claude Code credentials found at ${home.claudeCredentialsPath}`);
    expect(result.stderr).toContain("baton models auth paste-token --provider anthropic");
    expect(fs.existsSync(home.configPath)).toBe(false);
  });

  it("--auth-choice skip writes nothing", async () => {
    const result = await runBaton(home, ["onboard", "--auth-choice", "skip"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Skipped: nothing was stored for agent main/);
    expect(fs.existsSync(home.storePath())).toBe(false);
  });

  it("without a choice and without a terminal says what to pass", async () => {
    const result = await runBaton(home, ["onboard", "--non-interactive"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass --anthropic-api-key KEY, --openrouter-api-key KEY, or --auth-choice apiKey\|setup-token\|claude-cli\|openrouter-api-key\|skip/);
    const withEnv = await runBaton(home, ["onboard"], { env: { ANTHROPIC_API_KEY: fakeSecret("api-key") } });
    expect(withEnv.code).toBe(0);
    expect(withEnv.stdout).toMatch(/ANTHROPIC_API_KEY is set in the environment \(sk-ant-a…/);
  });

  it("a new agent onboarded separately does not see the main agent's key", async () => {
    await runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key")]);
    const work = json(await runBaton(home, ["models", "status", "--json", "--agent", "work"]));
    expect(work.auth.providers[0].effective.source).toBe("missing");
    expect(work.auth.providers[0].message).toMatch(/^No credentials found for profile anthropic:default for agent work\. Auth is per agent\. New agents don't inherit the main agent's keys\./);
  });
});

describe("baton onboard with OpenRouter (non-interactive)", () => {
  const FALLBACK = "openrouter/anthropic/claude-opus-4.5";

  it("--openrouter-api-key stores openrouter:default and makes OpenRouter the agent's fallback", async () => {
    const key = fakeSecret("openrouter");
    const result = await runBaton(home, ["onboard", "--openrouter-api-key", key]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Saved openrouter:default (api_key sk-or-v1…${key.slice(-4)}) for agent main.`);
    expect(result.stdout).toContain(`agents.defaults.model.fallbacks += "${FALLBACK}"`);
    expect(result.stdout).not.toContain(key);
    expect(readJson(home.storePath()).profiles).toEqual({ "openrouter:default": { type: "api_key", provider: "openrouter", key } });
    expect(config()).toEqual({
      auth: { profiles: { "openrouter:default": { provider: "openrouter", mode: "api_key" } } },
      agents: { defaults: { model: { fallbacks: [FALLBACK] } } },
    });
    const status = json(await runBaton(home, ["models", "status", "--json"]));
    const providers = Object.fromEntries(status.auth.providers.map((p: { provider: string }) => [p.provider, p]));
    expect(providers.openrouter).toMatchObject({ inUse: true, effective: { source: "profile", profileId: "openrouter:default" } });
  });

  it("keeps a configured primary (string shorthand too) and does not add a second OpenRouter fallback", async () => {
    fs.mkdirSync(home.stateDir, { recursive: true });
    fs.writeFileSync(home.configPath, `{ agents: { defaults: { model: "anthropic/claude-opus-4-5" } } }\n`);
    expect((await runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key"), "--openrouter-api-key", fakeSecret("openrouter")])).code).toBe(0);
    expect(config().agents.defaults.model).toEqual({ primary: "anthropic/claude-opus-4-5", fallbacks: [FALLBACK] });
    expect(Object.keys(readJson(home.storePath()).profiles).sort()).toEqual(["anthropic:default", "openrouter:default"]);
    const again = await runBaton(home, ["onboard", "--openrouter-api-key", fakeSecret("openrouter")]);
    expect(again.stdout).toContain("Replaced openrouter:default");
    expect(config().agents.defaults.model.fallbacks).toEqual([FALLBACK]);
  });

  it("--auth-choice openrouter-api-key reads the key from stdin; an Anthropic key is refused", async () => {
    const key = fakeSecret("openrouter");
    expect((await runBaton(home, ["onboard", "--auth-choice", "openrouter-api-key"], { input: `${key}\n` })).code).toBe(0);
    expect(readJson(home.storePath()).profiles["openrouter:default"].key).toBe(key);
    const wrong = await runBaton(home, ["onboard", "--openrouter-api-key", fakeSecret("api-key"), "--agent", "work"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Refused: this is an Anthropic credential/);
    expect(fs.existsSync(home.storePath("work"))).toBe(false);
  });

  it("without a choice, an OPENROUTER_API_KEY in the environment is named (masked), and nothing is stored", async () => {
    const key = fakeSecret("openrouter");
    const result = await runBaton(home, ["onboard"], { env: { OPENROUTER_API_KEY: key } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`OPENROUTER_API_KEY is set in the environment (sk-or-v1…${key.slice(-4)}); agent main uses it when it has no openrouter profile.`);
    expect(result.stdout).not.toContain(key);
    expect(fs.existsSync(home.storePath())).toBe(false);
  });

  it("--openrouter-api-key with another --auth-choice is a usage error", async () => {
    const result = await runBaton(home, ["onboard", "--openrouter-api-key", fakeSecret("openrouter"), "--auth-choice", "setup-token"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--openrouter-api-key goes with --auth-choice openrouter-api-key/);
  });
});
