import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { channelSpec, loadChannelCatalog } from "./channel-catalog.js";
import { pluginFile } from "./plugin-files.js";

const catalog = await loadChannelCatalog("all");
const spec = (id: string) => {
  const found = catalog.get(id);
  if (!found) throw new Error(`no spec for ${id}`);
  return found;
};

describe("loadChannelCatalog", () => {
  it("loads the config module of every installed channel plugin", () => {
    expect(catalog.installed).toEqual(["console", "discord", "telegram"]);
    expect(catalog.all().map((s) => s.id)).toEqual(["console", "discord", "telegram"]);
    expect(catalog.envKeys().sort()).toEqual(["DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"]);
    for (const s of catalog.all()) expect(s.help).not.toBe("");
  });

  it("loads only the ids asked for that are installed", async () => {
    const some = await loadChannelCatalog(["telegram", "matrix", "telegram"]);
    expect(some.all().map((s) => s.id)).toEqual(["telegram"]);
    expect(some.installed).toEqual(["console", "discord", "telegram"]);
  });

  it("config modules import nothing at run time (types from plugin-api.ts only), so validating never loads a channel library", () => {
    for (const id of catalog.installed) {
      const file = pluginFile(id, "config");
      expect(file, `${id} ships a config module`).toBeDefined();
      const source = fs.readFileSync(file!, "utf8");
      const imports = source.match(/^\s*(import|export)\b[^;]*\bfrom\s+["'][^"']+["']/gm) ?? [];
      for (const statement of imports) expect(statement, `${id}: ${statement}`).toMatch(/^\s*import type .* from "\.\.\/\.\.\/src\/plugin-api\.js"$/s);
      expect(source, `${id}: no side-effect, dynamic or CommonJS imports`).not.toMatch(/^\s*import\s*["']|\bimport\s*\(|\brequire\s*\(/m);
    }
  });
});

describe("what the plugins declare", () => {
  const env = (vars: Record<string, string> = {}) => vars;

  it.each([
    ["telegram", undefined, {}, false],
    ["telegram", undefined, { TELEGRAM_BOT_TOKEN: "1:x" }, true],
    ["telegram", { enabled: true }, {}, true],
    ["telegram", { enabled: false }, { TELEGRAM_BOT_TOKEN: "1:x" }, false],
    ["discord", undefined, { DISCORD_BOT_TOKEN: "x" }, true],
    ["discord", undefined, { TELEGRAM_BOT_TOKEN: "1:x" }, false],
    ["discord", { enabled: false }, { DISCORD_BOT_TOKEN: "x" }, false],
  ] as const)("%s starts with section %j and env %j: %s", (id, section, vars, expected) => {
    const s = spec(id);
    expect(s.shouldStart(section ? (s.schema.parse(section) as Record<string, any>) : undefined, env(vars))).toBe(expected);
  });

  it("native commands: each plugin reads its own switch", () => {
    const telegram = spec("telegram");
    const discord = spec("discord");
    expect(telegram.nativeCommands(telegram.defaults())).toBe(true);
    expect(telegram.nativeCommands(telegram.schema.parse({ commands: { menu: false } }) as Record<string, any>)).toBe(false);
    expect(discord.nativeCommands(discord.defaults())).toBe(true);
    expect(discord.nativeCommands(discord.schema.parse({ commands: { native: false } }) as Record<string, any>)).toBe(false);
  });

  it("defaults are the section a channel gets without one", () => {
    expect(spec("telegram").defaults()).toEqual({ enabled: true, dmPolicy: "pairing", groupPolicy: "allowlist", requireMention: true });
    expect(spec("discord").defaults()).toEqual({ enabled: true, dmPolicy: "pairing", guildPolicy: "allowlist", requireMention: true });
    expect(spec("console").defaults()).toEqual({ enabled: true, session: "main" });
  });

  it("access rules: the terminal is local; guilds are groups keyed by guild id", () => {
    expect(catalog.accessRules()).toEqual({
      console: { local: true, groupsKey: "groups", groupPolicyKey: "groupPolicy", groupIdFrom: "chatId" },
      discord: { local: false, groupsKey: "guilds", groupPolicyKey: "guildPolicy", groupIdFrom: "guildId" },
      telegram: { local: false, groupsKey: "groups", groupPolicyKey: "groupPolicy", groupIdFrom: "chatId" },
    });
  });
});

describe("a plugin without a config module", () => {
  const loose = channelSpec("plain", undefined);

  it("takes any object section, enabled by default, and starts when the section is present and enabled", () => {
    expect(loose.schema.parse({ anything: [1] })).toEqual({ anything: [1], enabled: true });
    expect(loose.defaults()).toEqual({ enabled: true });
    expect(loose.shouldStart(undefined, {})).toBe(false);
    expect(loose.shouldStart({ enabled: true }, {})).toBe(true);
    expect(loose.shouldStart({ enabled: false }, {})).toBe(false);
    expect(loose.nativeCommands({})).toBe(true);
    expect(loose.access).toEqual({ local: false, groupsKey: "groups", groupPolicyKey: "groupPolicy", groupIdFrom: "chatId" });
  });
});
