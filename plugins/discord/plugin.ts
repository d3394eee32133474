import { once } from "node:events";
import { type Client, DiscordjsErrorCodes, Events, type Interaction, type Message, Routes } from "discord.js";
import {
  BoundedSet,
  redact,
  TimeoutError,
  withTimeout,
  type ChannelContext,
  type ChannelLimits,
  type ChannelPlugin,
  type Logger,
  type OutboundFile,
  type OutboundMessage,
  type OutboundTarget,
  type SentMessage,
} from "../../src/plugin-api.js";
import { ChannelLimiter, type ChannelRate } from "./channel-limiter.js";
import { createClient } from "./client.js";
import { errorText } from "./errors.js";
import { botRoleIds, messageFacts } from "./facts.js";
import { closeReason } from "./gateway-close.js";
import { guarded } from "./guard.js";
import { type ChannelFacts, toInboundMessage } from "./inbound.js";
import { createInteractionHandler } from "./interactions.js";
import { createMessageBody, editMessageBody, fileMessageBody, fileUpload, sentMessageId } from "./outbound.js";
import { syncCommands } from "./register-commands.js";
import { containPacketErrors, destroyForGood } from "./discordjs-internals.js";
import { unlessAborted } from "./signals.js";

export interface DiscordPluginOptions {
  accountId: string;
  /** Per-channel message write rate; defaults to Discord's 5 per 5 s. */
  channelRate?: ChannelRate;
  /** How long `stop()` waits for discord.js to close the gateway. */
  stopTimeoutMs?: number;
  /** How long one start attempt (REST, gateway, READY) may take before it fails; default 15 s. */
  startTimeoutMs?: number;
  /** Upper bound of one message write, file upload or typing call, discord.js's retries included; default 60 s. */
  requestTimeoutMs?: number;
  /** Pause between gateway IDENTIFYs; Discord's 5 s (discord.js's throttler) unless set, e.g. by tests. */
  identifyIntervalMs?: number;
}

export const DISCORD_LIMITS: ChannelLimits = {
  maxMessageLength: 2000,
  canEdit: true,
  nativeCommands: true,
  format: "chat-markdown",
};

const START_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 60_000;

/** A start attempt that ran out of time (told apart to say which step did not answer). */
class StartTimeout extends Error {}

interface Running {
  client: Client;
  ctx: ChannelContext;
  log: Logger;
  token: string;
  limiter: ChannelLimiter;
  /** Ends every REST call of this instance when it stops. */
  lifetime: AbortController;
  /** Aborted, with the reason, when the start attempt fails (time, ctx.signal, stop(), a fatal close). */
  attempt: AbortController;
  /** READY was seen: from now on a lost connection is reported through `ctx.fail`. */
  connected: boolean;
  onAbort: () => void;
}

/**
 * The Discord channel: a discord.js client (guild messages, DMs, message content), messages
 * and interactions normalized into {@link InboundMessage}s, slash commands kept in sync with
 * the core's command specs, and outbound messages through per-channel limiters.
 *
 * `start` is one bounded attempt; a connection discord.js gives up on later is reported with
 * `ctx.fail`, and the gateway starts a fresh instance. Reconnects and resumes are discord.js's.
 */
export class DiscordChannel implements ChannelPlugin {
  readonly id = "discord";
  readonly limits = DISCORD_LIMITS;
  readonly #options: DiscordPluginOptions;
  /** Messages and interactions already dispatched, so one the gateway replays after a RESUME is not dispatched twice. */
  readonly #recent = new BoundedSet<string>(4096);
  /** user id -> DM channel id, for sends addressed to a user (`directMessage`). */
  readonly #dmChannels = new Map<string, string>();
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
    const log = ctx.log.withSecrets(token);
    const lifetime = new AbortController();
    const running: Running = {
      client: createClient({ apiRoot: ctx.config.apiRoot, lifetime: lifetime.signal, identifyIntervalMs: this.#options.identifyIntervalMs }),
      ctx,
      log,
      token,
      limiter: new ChannelLimiter(this.#options.channelRate),
      lifetime,
      attempt: new AbortController(),
      connected: false,
      onAbort: () => void this.stop(),
    };
    this.#running = running;
    this.#stopping = undefined;
    ctx.signal.addEventListener("abort", running.onAbort, { once: true });
    this.#listen(running);

    const timeoutMs = this.#options.startTimeoutMs ?? START_TIMEOUT_MS;
    const timer = setTimeout(() => running.attempt.abort(new StartTimeout(`no connection within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      await unlessAborted(this.#connect(running), running.attempt.signal);
    } catch (error) {
      const reason = this.#startFailure(running, error);
      await this.stop();
      throw new Error(`discord: could not connect: ${redact(reason, [token])}`);
    } finally {
      clearTimeout(timer);
    }
    running.connected = true;
    log.info("discord: connected", { user: running.client.user?.tag, userId: running.client.user?.id });
    await this.#registerCommands(running);
  }

  async stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const { client, limiter } = this.#require();
    const body = createMessageBody(message, target.replyToMessageId);
    const chatId = target.directMessage ? await this.#dmChannelOf(target.chatId) : target.chatId;
    const answer = await limiter.schedule(chatId, () => client.rest.post(Routes.channelMessages(chatId), { body, signal: this.#deadline() }));
    return { messageId: sentMessageId(answer) };
  }

  /** The DM channel with user `userId` (opened on first use: `POST /users/@me/channels`), remembered for later sends. */
  async #dmChannelOf(userId: string): Promise<string> {
    const known = this.#dmChannels.get(userId);
    if (known) return known;
    const { client } = this.#require();
    const channel = (await client.rest.post(Routes.userChannels(), { body: { recipient_id: userId }, signal: this.#deadline() })) as { id?: unknown };
    if (typeof channel?.id !== "string") throw new Error(`discord: no DM channel for user ${userId}`);
    this.#dmChannels.set(userId, channel.id);
    return channel.id;
  }

  async edit(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void> {
    const { client, limiter } = this.#require();
    const body = editMessageBody(message);
    await limiter.schedule(target.chatId, () => client.rest.patch(Routes.channelMessage(target.chatId, messageId), { body, signal: this.#deadline() }));
  }

  /** Sends `file` as an attachment (multipart upload), its caption as the message text, in the channel's queue. */
  async sendFile(target: OutboundTarget, file: OutboundFile): Promise<SentMessage> {
    const { client, limiter } = this.#require();
    const body = fileMessageBody(file, target.replyToMessageId);
    const answer = await limiter.schedule(target.chatId, () =>
      client.rest.post(Routes.channelMessages(target.chatId), { body, files: [fileUpload(file)], signal: this.#deadline() }),
    );
    return { messageId: sentMessageId(answer) };
  }

  /** Shows "Bot is typing…" for about 10 s; failures (e.g. no permission) are logged, not thrown. */
  async typing(target: OutboundTarget): Promise<void> {
    const { client, log } = this.#require();
    try {
      await client.rest.post(Routes.channelTyping(target.chatId), { signal: this.#deadline() });
    } catch (error) {
      log.debug("discord: typing failed", { chatId: target.chatId, error: errorText(error) });
    }
  }

  #require(): Running {
    if (!this.#running) throw new Error("discord: not started");
    return this.#running;
  }

  /** Ends one REST call (discord.js's 429 waits and retries included) that takes too long, so no channel queue stalls. */
  #deadline(): AbortSignal {
    return AbortSignal.timeout(this.#options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  }

  async #connect({ client, token, attempt }: Running): Promise<void> {
    const ready = once(client, Events.ClientReady, { signal: attempt.signal });
    ready.catch(() => {});
    await client.login(token);
    await ready;
  }

  /** Why a start attempt failed, saying which step did not answer. */
  #startFailure({ client, ctx }: Running, error: unknown): string {
    if (error instanceof StartTimeout) {
      const gateway = client.ws.gateway;
      return gateway
        ? `${error.message}: the REST API answered, the gateway (${gateway}) did not let a session start`
        : `${error.message}: no answer from the REST API (${ctx.config.apiRoot ?? "https://discord.com/api"})`;
    }
    if ((error as { code?: unknown })?.code === DiscordjsErrorCodes.TokenInvalid) return "Discord refused the bot token (HTTP 401)";
    if (ctx.signal.aborted) return "the gateway is stopping";
    return errorText(error);
  }

  /** The connection is gone for good: fails the start attempt, or reports to the gateway once started. */
  #lost(running: Running, error: Error): void {
    if (this.#running !== running) return;
    if (!running.connected) {
      running.attempt.abort(error);
      return;
    }
    running.log.error("discord: connection lost for good; the gateway will start a new one", { error: error.message });
    running.ctx.fail(error);
  }

  #listen(running: Running): void {
    const { client, log } = running;
    containPacketErrors(client, (error, event) => log.warn("discord: dropped a gateway event discord.js could not read", { event, error: errorText(error) }));
    client.on(Events.MessageCreate, guarded(log, "message handler", (message: Message) => this.#onMessage(running, message)));
    const onInteraction = createInteractionHandler({
      ctx: running.ctx,
      accountId: this.#options.accountId,
      recent: this.#recent,
      log,
      channelFallback: (chatId) => ({
        send: (message) => this.send({ chatId }, message),
        edit: (messageId, message) => this.edit({ chatId }, messageId, message),
        sendFile: (file) => this.sendFile({ chatId }, file),
      }),
      completeChannel: (facts) => this.#completeChannel(running, facts),
    });
    client.on(Events.InteractionCreate, guarded(log, "interaction handler", (interaction: Interaction) => onInteraction(interaction)));
    client.on(Events.ShardDisconnect, guarded(log, "disconnect handler", (event: { code: number }, shardId: number) => {
      log.error("discord: gateway closed for good", { shardId, code: event.code });
      this.#lost(running, new Error(`discord: ${closeReason(event.code)}`));
    }));
    client.on(Events.Invalidated, guarded(log, "invalidation handler", () => this.#lost(running, new Error("discord: the gateway session was invalidated"))));
    // discord.js 14 emits a client `error` only from its sharding manager's IPC; the connection is not lost by it.
    client.on(Events.Error, guarded(log, "error handler", (error: Error) => log.error("discord: client error", { error: errorText(error) })));
    client.on(Events.Warn, guarded(log, "warning handler", (message: string) => log.warn(`discord: ${message}`)));
    client.on(Events.ShardError, guarded(log, "shard error handler", (error: Error, shardId: number) => log.warn("discord: gateway connection error", { shardId, error: errorText(error) })));
    client.on(Events.ShardReconnecting, guarded(log, "reconnect handler", (shardId: number) => log.info("discord: gateway reconnecting", { shardId })));
    client.on(Events.ShardResume, guarded(log, "resume handler", (shardId: number, replayed: number) => log.info("discord: gateway resumed", { shardId, replayed })));
  }

  async #onMessage(running: Running, message: Message): Promise<void> {
    const { client, ctx, log } = running;
    const botUserId = client.user?.id;
    if (!botUserId || !this.#recent.addNew(message.id)) return;
    const facts = messageFacts(message);
    if (!facts) return;
    const inbound = toInboundMessage(facts, {
      accountId: this.#options.accountId,
      userId: botUserId,
      roleIds: botRoleIds(message, botUserId),
    });
    if (!inbound) return;
    if (inbound.chatKind === "channel" && facts.isThread && !inbound.parentChatId) {
      const completed = await this.#completeChannel(running, { channelId: inbound.chatId, guildId: inbound.guildId, isThread: true });
      if (completed.parentId) inbound.parentChatId = completed.parentId;
    }
    try {
      await ctx.dispatch(inbound);
    } catch (error) {
      log.error("discord: dispatch failed", { messageId: message.id, error: errorText(error) });
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
      running.log.warn("discord: could not fetch thread", { chatId: facts.channelId, error: errorText(error) });
      return facts;
    }
  }

  async #registerCommands(running: Running): Promise<void> {
    const { client, ctx, log } = running;
    const commands = ctx.config.commands as { native?: boolean; guildIds?: string[] } | undefined;
    if (!ctx.nativeCommands) return;
    const applicationId = client.application?.id;
    if (!applicationId) {
      log.warn("discord: no application id after ready; slash commands not registered");
      return;
    }
    // bounded like the connection, so a hung REST API cannot hold the start for discord.js's minute of retries
    const deadline = AbortSignal.timeout(this.#options.startTimeoutMs ?? START_TIMEOUT_MS);
    await syncCommands(client.rest, applicationId, ctx.commands(), commands?.guildIds, log, deadline);
  }

  async #shutdown(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    running.attempt.abort(new Error("stopped before it connected"));
    running.ctx.signal.removeEventListener("abort", running.onAbort);
    running.client.removeAllListeners(Events.MessageCreate);
    running.client.removeAllListeners(Events.InteractionCreate);
    running.lifetime.abort(new Error("discord: stopped"));
    running.client.rest.clearHashSweeper();
    running.client.rest.clearHandlerSweeper();
    const timeoutMs = this.#options.stopTimeoutMs ?? 3000;
    await withTimeout(Promise.all([destroyForGood(running.client), running.limiter.stop()]), timeoutMs).catch((error: unknown) => {
      if (error instanceof TimeoutError) running.log.warn("discord: gateway did not close in time; dropped", { timeoutMs });
      else running.log.warn("discord: error while stopping", { error: errorText(error) });
    });
  }
}
