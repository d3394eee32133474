/**
 * The Discord channel plugin (discord.js 14). Config is `channels.discord`; the token is
 * `channels.discord.token` or `DISCORD_BOT_TOKEN`; `apiRoot` points REST (and through
 * `GET /gateway/bot`, the gateway) elsewhere.
 *
 * @example
 * import discord from "./plugins/discord/index.js";
 * const plugin = discord({ accountId: "default" });
 * await plugin.start(ctx);
 * await plugin.send({ chatId: "123" }, { text: "**hi**", plainText: "hi" });
 */
import type { ChannelPluginFactory } from "../../src/plugin-api.js";
import { DiscordChannel, type DiscordPluginOptions } from "./plugin.js";

export { DiscordChannel, DISCORD_LIMITS, type DiscordPluginOptions } from "./plugin.js";
export type { ChannelRate } from "./channel-limiter.js";

/** A Discord plugin instance with options beyond the factory's (tests, benchmarks). */
export function createDiscordPlugin(options: DiscordPluginOptions): DiscordChannel {
  return new DiscordChannel(options);
}

const discordPlugin: ChannelPluginFactory = ({ accountId }) => createDiscordPlugin({ accountId });

export default discordPlugin;
