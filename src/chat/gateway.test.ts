import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runtimeFromConfig } from "../config/runtime.js";
import type { BatonConfigInput } from "../config/schema.js";
import type { ChannelContext, ChannelPlugin, ChannelPluginFactory } from "../plugin-api.js";
import { configuredChannels, Gateway } from "./gateway.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function runtimeWith(config: BatonConfigInput, env: Record<string, string> = {}) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-gateway-"));
  dirs.push(stateDir);
  return runtimeFromConfig(stateDir, config, env);
}

describe("configuredChannels", () => {
  it.each([
    ["nothing configured: the terminal", {}, {}, ["console"]],
    ["a section", { channels: { telegram: {} } }, {}, ["telegram"]],
    ["a token in the environment", {}, { DISCORD_BOT_TOKEN: "x" }, ["discord"]],
    ["both", { channels: { telegram: { botToken: "1:x" } } }, { DISCORD_BOT_TOKEN: "x" }, ["discord", "telegram"]],
    ["a disabled section beats its token", { channels: { telegram: { enabled: false } } }, { TELEGRAM_BOT_TOKEN: "1:x" }, ["console"]],
    ["the terminal never starts beside another channel", { channels: { console: {}, discord: {} } }, {}, ["discord"]],
  ] as const)("%s", async (_name, config, env, expected) => {
    expect(configuredChannels(await runtimeWith(config as BatonConfigInput, env))).toEqual(expected);
  });
});

describe("the context a channel is started with", () => {
  /** Starts the gateway with stand-in plugins and returns the context each was given. */
  async function contexts(config: BatonConfigInput, ids: string[]): Promise<Record<string, ChannelContext>> {
    const seen: Record<string, ChannelContext> = {};
    const standIn =
      (id: string): ChannelPluginFactory =>
      (): ChannelPlugin => ({
        id,
        limits: { maxMessageLength: 100, canEdit: false, nativeCommands: true, format: "plain" },
        start: async (ctx) => void (seen[id] = ctx),
        stop: async () => undefined,
        send: async () => ({ messageId: "1" }),
      });
    const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
    const gateway = new Gateway({ runtime: await runtimeWith(config), channels: ids, factories: Object.fromEntries(ids.map((id) => [id, standIn(id)])), log: quiet });
    await gateway.start();
    await gateway.stop();
    return seen;
  }

  it("gets its validated section, or its plugin's defaults when the config has none", async () => {
    const seen = await contexts({ channels: { telegram: { allowFrom: [42] } } }, ["telegram", "discord"]);
    expect(seen.telegram.config).toEqual({ enabled: true, allowFrom: ["42"], dmPolicy: "pairing", groupPolicy: "allowlist", requireMention: true });
    expect(seen.discord.config).toEqual({ enabled: true, dmPolicy: "pairing", guildPolicy: "allowlist", requireMention: true });
  });

  it("native commands: on by default, off by the global switch or the channel's own", async () => {
    const plain = await contexts({}, ["telegram", "discord"]);
    expect([plain.telegram.nativeCommands, plain.discord.nativeCommands]).toEqual([true, true]);
    const global = await contexts({ commands: { native: false } }, ["telegram", "discord"]);
    expect([global.telegram.nativeCommands, global.discord.nativeCommands]).toEqual([false, false]);
    const own = await contexts({ channels: { telegram: { commands: { menu: false } }, discord: {} } }, ["telegram", "discord"]);
    expect([own.telegram.nativeCommands, own.discord.nativeCommands]).toEqual([false, true]);
  });
});

describe("message counting (Gateway.onMessage)", () => {
  it("counts each dispatched message in, and each reply out, whether sent by the plugin or through a sink", async () => {
    let ctx: ChannelContext | undefined;
    const sentByPlugin: string[] = [];
    const sentBySink: string[] = [];
    const factory: ChannelPluginFactory = () => ({
      id: "telegram",
      limits: { maxMessageLength: 1000, canEdit: false, nativeCommands: false, format: "plain" },
      start: async (context) => void (ctx = context),
      stop: async () => undefined,
      send: async (_target, message) => (sentByPlugin.push(message.plainText), { messageId: "1" }),
    });
    const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
    const runtime = await runtimeWith({ channels: { telegram: { dmPolicy: "open" } } });
    const gateway = new Gateway({ runtime, channels: ["telegram"], factories: { telegram: factory }, log: quiet });
    const counted: string[] = [];
    const stop = gateway.onMessage((channel, direction) => counted.push(`${channel}:${direction}`));
    gateway.onMessage(() => {
      throw new Error("a broken listener changes nothing");
    });
    await gateway.start();
    try {
      const message = (id: string) => ({ channel: "telegram", accountId: "default", chatKind: "dm" as const, chatId: "7", senderId: "7", messageId: id, text: "/whoami", mentioned: true });
      await (await ctx!.dispatch(message("1"))).settled;
      await (await ctx!.dispatch(message("2"), { send: async (m) => (sentBySink.push(m.plainText), { messageId: "s1" }) })).settled;
      expect(sentByPlugin).toHaveLength(1);
      expect(sentBySink).toHaveLength(1);
      expect(counted).toEqual(["telegram:in", "telegram:out", "telegram:in", "telegram:out"]);
      stop();
      await (await ctx!.dispatch(message("3"))).settled;
      expect(counted).toHaveLength(4);
    } finally {
      await gateway.stop();
    }
  });
});
