import { once } from "node:events";
import { Client, Events, GatewayIntentBits, type Interaction, type Message, Partials, Routes } from "discord.js";
import type {
  ChannelContext,
  ChannelLimits,
  ChannelPlugin,
  Logger,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from "../../src/plugin-api.js";
import { ChannelLimiter, type ChannelRate } from "./channel-limiter.js";
import { botRoleIds, messageFacts } from "./facts.js";
import { type ChannelFacts, toInboundMessage } from "./inbound.js";
import { createInteractionHandler } from "./interactions.js";
import { createMessageBody, editMessageBody } from "./outbound.js";
import { RecentIds } from "./recent-ids.js";
import { redactingLogger, redactSecret } from "./redacting-logger.js";
import { syncCommands } from "./register-commands.js";

export interface DiscordPluginOptions {
  accountId: string;
  /** Per-channel message write rate; defaults to Discord's 5 per 5 s. */
  channelRate?: ChannelRate;
  /** How long `stop()` waits for discord.js to close the gateway. */
  stopTimeoutMs?: number;
}

export const DISCORD_LIMITS: ChannelLimits = {
  maxMessageLength: 2000,
  canEdit: true,
  nativeCommands: true,
  format: "discord-markdown",
};

interface Running {
  client: Client;
  ctx: ChannelContext;
  log: Logger;
  limiter: ChannelLimiter;
  onAbort: () => void;
}

/**
 * The Discord channel: a discord.js client (guild messages, DMs, message content), messages
 * and interactions normalized into {@link InboundMessage}s, slash commands kept in sync with
 * the core's command specs, and outbound messages through per-channel limiters.
 */
export class DiscordChannel implements ChannelPlugin {
  readonly id = "discord";
  readonly limits = DISCORD_LIMITS;
  readonly #options: DiscordPluginOptions;
  readonly #recent = new RecentIds();
  #running: Running | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: DiscordPluginOptions) {
    this.#options = options;
  }

  async start(ctx: ChannelContext): Promise<void> {
    if (this.#running) throw new Error("discord: already started");
    const token: string | undefined = ctx.config.token ?? ctx.env.DISCORD_BOT_TOKEN;
    if (!token) throw new Error("Discord bot token missing: set channels.discord.token or DISCORD_BOT_TOKEN");
    if (ctx.signal.aborted) throw new Error("discord: not started, the gateway is stopping");
    const log = redactingLogger(ctx.log, token);
    const apiRoot: string | undefined = ctx.config.apiRoot;
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel],
      allowedMentions: { parse: [], repliedUser: false },
      ...(apiRoot ? { rest: { api: apiRoot } } : {}),
    });
    const onAbort = () => void this.stop();
    const running: Running = { client, ctx, log, limiter: new ChannelLimiter(this.#options.channelRate), onAbort };
    this.#running = running;
    this.#stopping = undefined;
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    this.#listen(running);

    const ready = once(client, Events.ClientReady, { signal: ctx.signal });
    try {
      await client.login(token);
      await ready;
    } catch (error) {
      ready.catch(() => {});
      await this.stop();
      throw new Error(`discord: could not connect: ${redactSecret((error as Error).message, token)}`);
    }
    log.info("discord: connected", { user: client.user?.tag, userId: client.user?.id });
    await this.#registerCommands(running);
  }

  async stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const { client, limiter } = this.#require();
    const body = createMessageBody(message, target.replyToMessageId);
    const sent = (await limiter.schedule(target.chatId, () => client.rest.post(Routes.channelMessages(target.chatId), { body }))) as { id: string };
    return { messageId: sent.id };
  }

  async edit(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void> {
    const { client, limiter } = this.#require();
    const body = editMessageBody(message);
    await limiter.schedule(target.chatId, () => client.rest.patch(Routes.channelMessage(target.chatId, messageId), { body }));
  }

  /** Shows "Bot is typing…" for about 10 s; failures (e.g. no permission) are logged, not thrown. */
  async typing(target: OutboundTarget): Promise<void> {
    const { client, log } = this.#require();
    try {
      await client.rest.post(Routes.channelTyping(target.chatId));
    } catch (error) {
      log.debug("discord: typing failed", { chatId: target.chatId, error: (error as Error).message });
    }
  }

  #require(): Running {
    if (!this.#running) throw new Error("discord: not started");
    return this.#running;
  }

  #listen(running: Running): void {
    const { client, log } = running;
    client.on(Events.MessageCreate, (message) => void this.#onMessage(running, message));
    const onInteraction = createInteractionHandler({
      ctx: running.ctx,
      accountId: this.#options.accountId,
      recent: this.#recent,
      log,
      channelFallback: (chatId) => ({
        send: (message) => this.send({ chatId }, message),
        edit: (messageId, message) => this.edit({ chatId }, messageId, message),
      }),
      completeChannel: (facts) => this.#completeChannel(running, facts),
    });
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      onInteraction(interaction).catch((error) => log.error("discord: interaction failed", { interactionId: interaction.id, error }));
    });
    client.on(Events.Error, (error) => log.error("discord: client error", { error }));
    client.on(Events.Warn, (message) => log.warn(`discord: ${message}`));
    client.on(Events.ShardError, (error, shardId) => log.warn("discord: gateway connection error", { shardId, error }));
    client.on(Events.ShardReconnecting, (shardId) => log.info("discord: gateway reconnecting", { shardId }));
    client.on(Events.ShardResume, (shardId, replayed) => log.info("discord: gateway resumed", { shardId, replayed }));
    client.on(Events.ShardDisconnect, (event, shardId) => log.error("discord: gateway closed for good", { shardId, code: event.code }));
  }

  async #onMessage(running: Running, message: Message): Promise<void> {
    const { client, ctx, log } = running;
    const botUserId = client.user?.id;
    if (!botUserId || this.#recent.seen(message.id)) return;
    const inbound = toInboundMessage(messageFacts(message), {
      accountId: this.#options.accountId,
      userId: botUserId,
      roleIds: botRoleIds(message, botUserId),
    });
    if (!inbound) return;
    if (message.channel.isThread() && !inbound.parentChatId) {
      const completed = await this.#completeChannel(running, { channelId: inbound.chatId, guildId: inbound.guildId, isThread: true });
      if (completed.parentId) inbound.parentChatId = completed.parentId;
    }
    try {
      await ctx.dispatch(inbound);
    } catch (error) {
      log.error("discord: dispatch failed", { messageId: message.id, error });
    }
  }

  /** A thread whose parent the cache does not know is fetched (`GET /channels/:id`). */
  async #completeChannel(running: Running, facts: ChannelFacts): Promise<ChannelFacts> {
    if (!facts.isThread || facts.parentId) return facts;
    try {
      const channel = await running.client.channels.fetch(facts.channelId);
      const parentId = channel?.isThread() ? channel.parentId : null;
      return parentId ? { ...facts, parentId } : facts;
    } catch (error) {
      running.log.warn("discord: could not fetch thread", { chatId: facts.channelId, error });
      return facts;
    }
  }

  async #registerCommands(running: Running): Promise<void> {
    const { client, ctx, log } = running;
    const commands = ctx.config.commands as { native?: boolean; guildIds?: string[] } | undefined;
    if (commands?.native === false) return;
    const applicationId = client.application?.id;
    if (!applicationId) {
      log.warn("discord: no application id after ready; slash commands not registered");
      return;
    }
    await syncCommands(client.rest, applicationId, ctx.commands(), commands?.guildIds, log);
  }

  async #shutdown(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    running.ctx.signal.removeEventListener("abort", running.onAbort);
    running.client.removeAllListeners(Events.MessageCreate);
    running.client.removeAllListeners(Events.InteractionCreate);
    const timeoutMs = this.#options.stopTimeoutMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const closed = Promise.all([running.client.destroy(), running.limiter.stop()]).then(() => "closed" as const);
    const outcome = await Promise.race([closed, timeout]).catch((error) => {
      running.log.warn("discord: error while stopping", { error });
      return "closed" as const;
    });
    clearTimeout(timer);
    if (outcome === "timeout") running.log.warn("discord: gateway did not close in time; dropped", { timeoutMs });
  }
}
