import fs from "node:fs";
import JSON5 from "json5";
import { beforeEach, describe, expect, it } from "vitest";
import { type CliHome, fakeSecret, fileMode, freshHomeForEachTest, json, readJson, runBaton, writeJson } from "./helpers.js";

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

const config = () => JSON5.parse(fs.readFileSync(home.configPath, "utf8"));

describe("baton models auth paste-token", () => {
  it("stores a setup-token read from stdin and describes it in the config", async () => {
    const token = fakeSecret("setup-token");
    const result = await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--expires-in", "365d"], { input: `${token}\n` });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Saved anthropic:manual (token ${token.slice(0, 8)}…${token.slice(-4)}, expires `);
    const store = readJson(home.storePath());
    expect(store.profiles["anthropic:manual"]).toMatchObject({ type: "token", provider: "anthropic", token });
    const expires = store.profiles["anthropic:manual"].expires;
    expect(Math.abs(expires - (Date.now() + 365 * 86_400_000))).toBeLessThan(60_000);
    expect(config().auth.profiles["anthropic:manual"]).toEqual({ provider: "anthropic", mode: "token" });
    expect(fileMode(home.storePath())).toBe(0o600);
    expect(fileMode(home.configPath)).toBe(0o600);
  });

  it("stores a pasted API key as api_key, and anthropic:claude-cli with mode oauth", async () => {
    const key = fakeSecret("api-key");
    expect((await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:work"], { input: key })).code).toBe(0);
    const token = fakeSecret("setup-token");
    expect((await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:claude-cli"], { input: token })).code).toBe(0);
    const store = readJson(home.storePath());
    expect(store.profiles["anthropic:work"]).toEqual({ type: "api_key", provider: "anthropic", key });
    expect(store.profiles["anthropic:claude-cli"]).toEqual({ type: "token", provider: "anthropic", token });
    expect(config().auth.profiles).toEqual({
      "anthropic:work": { provider: "anthropic", mode: "api_key" },
      "anthropic:claude-cli": { provider: "anthropic", mode: "oauth" },
    });
  });

  it("stores an OpenRouter key for --provider openrouter as the api_key openrouter:default, masked in the output", async () => {
    const key = fakeSecret("openrouter");
    const result = await runBaton(home, ["models", "auth", "paste-token", "--provider", "openrouter"], { input: `${key}\n` });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Saved openrouter:default (api_key sk-or-v1…${key.slice(-4)}) for agent main.`);
    expect(result.stdout).not.toContain(key);
    expect(readJson(home.storePath()).profiles["openrouter:default"]).toEqual({ type: "api_key", provider: "openrouter", key });
    expect(config().auth.profiles["openrouter:default"]).toEqual({ provider: "openrouter", mode: "api_key" });
    const status = await runBaton(home, ["models", "status", "--json"]);
    const openrouter = json(status).auth.providers.find((p: { provider: string }) => p.provider === "openrouter");
    expect(openrouter.effective).toMatchObject({ source: "profile", profileId: "openrouter:default", type: "api_key", secret: `sk-or-v1…${key.slice(-4)}` });
  });

  it("refuses an Anthropic key pasted for OpenRouter", async () => {
    const result = await runBaton(home, ["models", "auth", "paste-token", "--provider", "openrouter"], { input: fakeSecret("api-key") });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Refused: this is an Anthropic credential/);
    expect(fs.existsSync(home.storePath())).toBe(false);
  });

  it.each([
    ["empty input", "", /Refused: the value is empty/],
    ["a line break inside", "LINEBREAK", /Refused: the value contains whitespace at character \d+ .*line break/],
    ["a setup-token cut short", "SHORT", /Refused: the setup-token is 50 characters; a complete one has at least 80/],
    ["a truncated value", "DOTS", /Refused: the value ends in "…" or "\.\.\."/],
    ["a non-Anthropic value", "OPENROUTER", /Refused: An Anthropic API key or setup-token starts with "sk-ant-"/],
  ])("refuses %s and writes nothing", async (_name, kind, message) => {
    const token = fakeSecret("setup-token");
    const input = { "": "", LINEBREAK: `${token.slice(0, 40)}\n${token.slice(40)}`, SHORT: token.slice(0, 50), DOTS: `${token.slice(0, 60)}...`, OPENROUTER: fakeSecret("openrouter") }[kind]!;
    const result = await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic"], { input });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Nothing was saved\./);
    expect(fs.existsSync(home.storePath())).toBe(false);
    expect(fs.existsSync(home.configPath)).toBe(false);
  });

  it("refuses a malformed profile id or --expires-in", async () => {
    const token = fakeSecret("setup-token");
    const wrongProvider = await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "openrouter:x"], { input: token });
    expect(wrongProvider.code).toBe(2);
    expect(wrongProvider.stderr).toMatch(/must start with "anthropic:"/);
    const badExpiry = await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--expires-in", "soon"], { input: token });
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toMatch(/Invalid --expires-in "soon"/);
    expect(fs.existsSync(home.storePath())).toBe(false);
  });

  it("12 concurrent paste-token processes leave 12 profiles (store and config)", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `anthropic:p${i + 1}`);
    const tokens = ids.map(() => fakeSecret("setup-token"));
    const results = await Promise.all(
      ids.map((id, i) => runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", id], { input: tokens[i] })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const store = readJson(home.storePath());
    expect(Object.keys(store.profiles).sort()).toEqual([...ids].sort());
    ids.forEach((id, i) => expect(store.profiles[id].token).toBe(tokens[i]));
    expect(Object.keys(config().auth.profiles).sort()).toEqual([...ids].sort());
  }, 120_000);
});

describe("baton models auth setup-token", () => {
  it("without a TTY says that claude setup-token needs one and points at paste-token", async () => {
    const result = await runBaton(home, ["models", "auth", "setup-token", "--provider", "anthropic"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("`claude setup-token` requires an interactive TTY");
    expect(result.stderr).toContain("baton models auth paste-token --provider anthropic");
    expect(fs.existsSync(home.storePath())).toBe(false);
  });
});

describe("baton models auth list / remove", () => {
  it("lists profiles with masked secrets and removes one from store and config", async () => {
    const key = fakeSecret("api-key");
    const token = fakeSecret("setup-token");
    await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:default"], { input: key });
    await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic"], { input: token });

    const listed = await runBaton(home, ["models", "auth", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/anthropic:default\s+api_key\s+sk-ant-a…/);
    expect(listed.stdout).toContain(`${token.slice(0, 8)}…${token.slice(-4)}`);
    const listedJson = json(await runBaton(home, ["models", "auth", "list", "--json"]));
    expect(listedJson.profiles.map((p: any) => [p.id, p.type])).toEqual([
      ["anthropic:default", "api_key"],
      ["anthropic:manual", "token"],
    ]);

    const removed = await runBaton(home, ["models", "auth", "remove", "anthropic:manual"]);
    expect(removed.code).toBe(0);
    expect(Object.keys(readJson(home.storePath()).profiles)).toEqual(["anthropic:default"]);
    expect(Object.keys(config().auth.profiles)).toEqual(["anthropic:default"]);

    const again = await runBaton(home, ["models", "auth", "remove", "anthropic:manual"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No profile anthropic:manual for agent main/);
  });

  it("keeps agents apart (--agent)", async () => {
    await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--agent", "work"], { input: fakeSecret("setup-token") });
    expect(fs.existsSync(home.storePath("work"))).toBe(true);
    expect(fs.existsSync(home.storePath("main"))).toBe(false);
    expect(json(await runBaton(home, ["models", "auth", "list", "--json"])).profiles).toEqual([
      expect.objectContaining({ id: "anthropic:manual", type: null, state: "missing" }), // described in the shared config only
    ]);
    expect(json(await runBaton(home, ["models", "auth", "list", "--json", "--agent", "work"])).profiles).toEqual([
      expect.objectContaining({ id: "anthropic:manual", type: "token" }),
    ]);
  });
});

describe("baton models auth order", () => {
  beforeEach(async () => {
    writeJson(home.storePath(), {
      version: 1,
      profiles: {
        "anthropic:default": { type: "api_key", provider: "anthropic", key: fakeSecret("api-key") },
        "anthropic:claude-cli": { type: "token", provider: "anthropic", token: fakeSecret("setup-token") },
      },
    });
  });

  it("set, get and clear the per-agent order", async () => {
    const none = await runBaton(home, ["models", "auth", "order", "get", "--provider", "anthropic"]);
    expect(none.stdout).toMatch(/No order override for anthropic in agent main; effective order \(stored profiles, least recently used first\): anthropic:claude-cli, anthropic:default/);

    const set = await runBaton(home, ["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:default", "anthropic:claude-cli"]);
    expect(set.code).toBe(0);
    expect(readJson(home.storePath()).order).toEqual({ anthropic: ["anthropic:default", "anthropic:claude-cli"] });
    expect(json(await runBaton(home, ["models", "auth", "order", "get", "--provider", "anthropic", "--json"]))).toEqual({
      agentId: "main",
      provider: "anthropic",
      override: ["anthropic:default", "anthropic:claude-cli"],
      effective: ["anthropic:default", "anthropic:claude-cli"],
      source: "store",
    });

    const clear = await runBaton(home, ["models", "auth", "order", "clear", "--provider", "anthropic"]);
    expect(clear.stdout).toMatch(/Cleared the anthropic order override of agent main/);
    expect(readJson(home.storePath()).order).toEqual({});
  });

  it("refuses ids that are not stored profiles of that provider", async () => {
    const before = fs.readFileSync(home.storePath(), "utf8");
    const result = await runBaton(home, ["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:default", "anthropic:nope"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Unknown anthropic profile for agent main: anthropic:nope\. Known: anthropic:default, anthropic:claude-cli\. Nothing was changed\./);
    expect(fs.readFileSync(home.storePath(), "utf8")).toBe(before);
  });
});

describe("baton models auth cooldown", () => {
  it("lists cooldowns and disabled profiles with when they free up, and clears them", async () => {
    const now = Date.now();
    writeJson(home.storePath(), {
      version: 1,
      profiles: {
        "anthropic:a": { type: "api_key", provider: "anthropic", key: fakeSecret("api-key") },
        "anthropic:b": { type: "api_key", provider: "anthropic", key: fakeSecret("api-key") },
      },
      usageStats: {
        "anthropic:a": { cooldownUntil: now + 600_000, modelCooldowns: { "claude-opus-4-5": { until: now + 120_000, count: 2, reason: "rate_limit", lastFailureAt: now } } },
        "anthropic:b": { disabledUntil: now + 5 * 3_600_000, disabledReason: "billing" },
      },
    });
    const listed = await runBaton(home, ["models", "auth", "cooldown", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/anthropic:a\s+cooldown \(auth\)\s+frees up in (9m 5\d+s|10m)/);
    expect(listed.stdout).toMatch(/anthropic:a\s+cooldown \(rate_limit\) on claude-opus-4-5\s+frees up in (1m 5\d+s|2m)/);
    expect(listed.stdout).toMatch(/anthropic:b\s+disabled \(billing\)\s+frees up in (4h 59m|5h)/);
    const listedJson = json(await runBaton(home, ["models", "auth", "cooldown", "list", "--json"]));
    expect(listedJson.cooldowns).toHaveLength(3);

    const one = await runBaton(home, ["models", "auth", "cooldown", "clear", "anthropic:a"]);
    expect(one.stdout).toMatch(/Cleared the cooldowns of anthropic:a/);
    expect(json(await runBaton(home, ["models", "auth", "cooldown", "list", "--json"])).cooldowns).toEqual([expect.objectContaining({ profileId: "anthropic:b", kind: "disabled", reason: "billing" })]);

    expect((await runBaton(home, ["models", "auth", "cooldown", "clear"])).stdout).toMatch(/Cleared the cooldowns of 2 profiles/);
    expect((await runBaton(home, ["models", "auth", "cooldown", "list"])).stdout).toMatch(/No profile of agent main is in cooldown or disabled/);
    expect((await runBaton(home, ["models", "auth", "cooldown", "clear", "anthropic:zzz"])).code).toBe(1);
  });
});
