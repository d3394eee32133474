import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { ChannelCatalog } from "./channel-catalog.js";
import { checkConfig, loadConfigFile, parseConfigSource } from "./load.js";

const FILE = "/home/u/.baton/baton.json5";

async function problemsOf(source: string, env: Record<string, string> = {}) {
  try {
    await parseConfigSource(source, FILE, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfigSource", () => {
  it("accepts JSON5 comments, trailing commas and unquoted keys", async () => {
    const { config } = await parseConfigSource(`{\n  // the model\n  agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-5", }, }, },\n}`, FILE, {});
    expect(config.agents?.defaults?.model?.primary).toBe("anthropic/claude-sonnet-4-5");
  });

  it("reports a syntax error with file, line and column", async () => {
    const err = await problemsOf(`{\n  agents: {\n    defaults: { model: "x" \n  }\n  oops\n}`);
    expect(err.problems[0].line).toBeGreaterThan(1);
    expect(err.message).toMatch(new RegExp(`${FILE.replace(/\./g, "\\.")}:\\d+:\\d+: JSON5 syntax error`));
  });

  it("names the key path, expected and actual type, and the line of a schema error", async () => {
    const err = await problemsOf(`{\n  agents: {\n    defaults: {\n      model: { primary: 42 },\n    },\n  },\n}`);
    expect(err.message).toContain("agents.defaults.model.primary: expected string, got number");
    expect(err.problems.find((p) => p.keyPath === "agents.defaults.model.primary")?.line).toBe(4);
  });

  it("reports unknown keys with a did-you-mean suggestion", async () => {
    const err = await problemsOf(`{ chanels: {} }`);
    expect(err.message).toContain('chanels: unknown key (did you mean "channels"?)');
    const nested = await problemsOf(`{ channels: { telegram: { botTokn: "x" } } }`);
    expect(nested.message).toContain('channels.telegram.botTokn: unknown key (did you mean "botToken"?)');
  });

  it("reports bad enum values with the allowed ones", async () => {
    const err = await problemsOf(`{ agents: { defaults: { models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "2h" } } } } } }`);
    expect(err.message).toContain('agents.defaults.models.anthropic/claude-opus-4-5.params.cacheControlTtl: expected one of "5m", "1h", got "2h"');
  });

  it("substitutes ${VAR} and names the key path of a missing variable", async () => {
    const { config } = await parseConfigSource(`{ channels: { telegram: { botToken: "\${TG_TOKEN}" } } }`, FILE, { TG_TOKEN: "123:abc" });
    expect(config.channels?.telegram?.botToken).toBe("123:abc");
    const err = await problemsOf(`{\n channels: {\n  discord: { token: "\${DISCORD_SECRET}" } } }`);
    expect(err.message).toContain("channels.discord.token: environment variable DISCORD_SECRET is not set");
    expect(err.problems[0].line).toBe(3);
    expect((await parseConfigSource(`{ env: { PRICE: "$$5" } }`, FILE, {})).config.env?.PRICE).toBe("$5");
  });

  it("collects unset variables apart from problems when asked, and checks everything else", async () => {
    const source = `{\n channels: {\n  telegram: {\n   botToken: "\${TG}",\n   webhook: { url: "\${HOOK_URL}", secret: "s" },\n   allowFrom: ["\${OWNER}"] } } }`;
    const loaded = await parseConfigSource(source, FILE, {}, { unsetVariables: "collect" });
    expect(loaded.unsetVariables).toEqual([
      { name: "TG", keyPath: "channels.telegram.botToken", message: "environment variable TG is not set (used as ${TG})", line: 4, column: 4 },
      expect.objectContaining({ name: "HOOK_URL", keyPath: "channels.telegram.webhook.url", line: 5 }),
      expect.objectContaining({ name: "OWNER", keyPath: "channels.telegram.allowFrom.0" }),
    ]);
    const err = await problemsOf(`{ gateway: { concurrency: 0 }, channels: { discord: { token: "\${DT}" } } }`).catch((e) => e);
    expect(err.problems.map((p: { keyPath: string }) => p.keyPath)).toEqual(["channels.discord.token"]);
    await expect(parseConfigSource(`{ gateway: { concurrency: 0 }, channels: { discord: { token: "\${DT}" } } }`, FILE, {}, { unsetVariables: "collect" })).rejects.toThrow(
      /gateway\.concurrency/,
    );
  });

  it('migrates anthropic:claude-cli mode "token" to "oauth"', async () => {
    const loaded = await parseConfigSource(`{ auth: { profiles: { "anthropic:claude-cli": { provider: "anthropic", mode: "token" } } } }`, FILE, {});
    expect(loaded.config.auth?.profiles?.["anthropic:claude-cli"].mode).toBe("oauth");
    expect(loaded.migrations.map((m) => m.id)).toEqual(["claude-cli-mode-oauth"]);
    const other = await parseConfigSource(`{ auth: { profiles: { "anthropic:manual": { provider: "anthropic", mode: "token" } } } }`, FILE, {});
    expect(other.config.auth?.profiles?.["anthropic:manual"].mode).toBe("token");
    expect(other.migrations).toEqual([]);
  });

  it("applies defaults in one place", async () => {
    const { config } = await parseConfigSource(`{ channels: { telegram: {} } }`, FILE, {});
    expect(config.channels?.telegram).toMatchObject({ enabled: true, requireMention: true, groupPolicy: "allowlist", dmPolicy: "pairing" });
  });
});

describe("channels.<id>, validated by the channel plugin's schema", () => {
  it("applies each plugin's defaults, including nested ones", async () => {
    const { config } = await parseConfigSource(
      `{ channels: { telegram: { webhook: { url: "https://bot.example/hook", secret: "s" } }, discord: { guilds: { "77": {} } }, console: {} } }`,
      FILE,
      {},
    );
    expect(config.channels?.telegram?.webhook).toEqual({ url: "https://bot.example/hook", secret: "s", host: "127.0.0.1", port: 8787, path: "/telegram" });
    expect(config.channels?.discord).toMatchObject({ enabled: true, dmPolicy: "pairing", guildPolicy: "allowlist", requireMention: true, guilds: { "77": {} } });
    expect(config.channels?.console).toEqual({ enabled: true, session: "main" });
  });

  it("names file, line, column and key path of a problem inside a section", async () => {
    const err = await problemsOf(`{\n  channels: {\n    telegram: {\n      allowFrom: "123",\n    },\n  },\n}`);
    expect(err.message).toContain(`${FILE}:4:7: channels.telegram.allowFrom: expected array, got string`);
    const enumErr = await problemsOf(`{ channels: { discord: { guildPolicy: "some" } } }`);
    expect(enumErr.message).toContain('channels.discord.guildPolicy: expected one of "open", "allowlist", "disabled", got "some"');
  });

  it("suggests the plugin's own keys for a misspelled one, at any depth", async () => {
    const err = await problemsOf(`{ channels: { discord: { guildPolcy: "open", guilds: { "77": { requireMentoin: false } } } } }`);
    expect(err.message).toContain('channels.discord.guildPolcy: unknown key (did you mean "guildPolicy"?)');
    expect(err.message).toContain('channels.discord.guilds.77.requireMentoin: unknown key (did you mean "requireMention"?)');
  });

  it("rejects a channel no installed plugin provides, naming the installed ones", async () => {
    const err = await problemsOf(`{\n  channels: {\n    telegarm: { botToken: "x" },\n    matrix: {},\n  },\n}`);
    expect(err.problems.map((p) => [p.keyPath, p.line])).toEqual([
      ["channels.telegarm", 3],
      ["channels.matrix", 4],
    ]);
    expect(err.message).toContain('channels.telegarm: no channel plugin "telegarm" is installed (did you mean "telegram"?); installed: console, discord, telegram');
    expect(err.message).toContain('channels.matrix: no channel plugin "matrix" is installed; installed: console, discord, telegram');
  });

  it("reports core and channel problems together", async () => {
    const err = await problemsOf(`{ gateway: { concurrency: 0 }, channels: { telegram: { requireMention: "yes" }, console: 1 } }`);
    expect(err.problems.map((p) => p.keyPath).sort()).toEqual(["channels.console", "channels.telegram.requireMention", "gateway.concurrency"]);
  });

  it("reports a plugin whose config module cannot be used as a problem of its section", () => {
    const catalog = new ChannelCatalog(["echo"], new Map(), new Map([["echo", "plugins/echo/config.js failed to load: Unexpected token"]]));
    expect(checkConfig({ channels: { echo: {} } }, catalog).problems).toEqual([
      { keyPath: "channels.echo", message: "the channel plugin's config module cannot be used: plugins/echo/config.js failed to load: Unexpected token" },
    ]);
  });

  it("tells the access policy how each loaded channel's section reads", async () => {
    const named = await parseConfigSource(`{ channels: { discord: {} } }`, FILE, {});
    expect(named.config.channelAccess).toEqual({ discord: { local: false, groupsKey: "guilds", groupPolicyKey: "guildPolicy", groupIdFrom: "guildId" } });
    const all = await parseConfigSource(`{}`, FILE, {}, { allChannels: true });
    expect(all.config.channelAccess?.console).toEqual({ local: true, groupsKey: "groups", groupPolicyKey: "groupPolicy", groupIdFrom: "chatId" });
    expect(all.config.channelAccess?.telegram?.local).toBe(false);
    expect(all.channels.all().map((spec) => spec.id)).toEqual(["console", "discord", "telegram"]);
  });
});

describe("loadConfigFile", () => {
  it("treats a missing file as an empty config", async () => {
    const loaded = await loadConfigFile(path.join(os.tmpdir(), "baton-no-such-dir", "baton.json5"), {});
    expect(loaded.exists).toBe(false);
    expect(loaded.config).toEqual((await parseConfigSource("", FILE, {})).config);
    expect(loaded.config.channels).toBeUndefined();
  });

  it("reports a missing file named explicitly, with who named it", async () => {
    const file = path.join(os.tmpdir(), "baton-no-such-dir", "named.json5");
    await expect(loadConfigFile(file, {}, { namedBy: "--config" })).rejects.toThrow(`${file}: no such file (named by --config)`);
  });

  it("validates config.example.json5", async () => {
    const example = path.resolve(__dirname, "../../config.example.json5");
    const loaded = await loadConfigFile(example, { ANTHROPIC_API_KEY: "sk-ant-api03-example", TELEGRAM_BOT_TOKEN: "1:x", DISCORD_BOT_TOKEN: "x" });
    expect(loaded.exists).toBe(true);
    const shipped = await loadConfigFile(example, {}, { unsetVariables: "collect" });
    expect(shipped.unsetVariables?.map((u) => u.name).sort()).toEqual(["DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"]);
    expect(fs.readFileSync(example, "utf8")).toContain("$schema");
  });
});
