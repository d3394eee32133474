import { once } from "node:events";
import { type Client, DiscordAPIError, DiscordjsErrorCodes, Events, type Interaction, type Message, Routes } from "discord.js";
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
import { botRoleIds, guildBotRoleIds, messageFacts, rawMessageFacts } from "./facts.js";
import { toAttachments } from "./attachments.js";
import { CATCH_UP_KEY, CatchUpMarks, compareIds, DEFAULT_CATCH_UP, fetchAfter, readRecord, type CatchUpLimits } from "./catch-up.js";
import { closeReason } from "./gateway-close.js";
import { guarded } from "./guard.js";
import { type ChannelFacts, type MessageFacts, toInboundMessage } from "./inbound.js";
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
  /** How far back and how many messages per channel catch-up answers; default 15 min and 20. */
  catchUp?: Partial<CatchUpLimits>;
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
  /** What each watched channel's catch-up starts after (kept in `ctx.state`). */
  marks: CatchUpMarks;
  /** Writes of the marks, one after another; `dirty` when another is due after the one under way. */
  saving?: Promise<void>;
  dirty: boolean;
  catchingUp: boolean;
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
      client: createClient({ apiRoot: ctx.config.apiRoot, lifetime: lifetime.signal, identifyIntervalMs: this.#options.identifyIntervalMs, shards: ctx.config.shards }),
      ctx,
      log,
      token,
      limiter: new ChannelLimiter(this.#options.channelRate),
      lifetime,
      attempt: new AbortController(),
      connected: false,
      onAbort: () => void this.stop(),
      marks: new CatchUpMarks(),
      dirty: false,
      catchingUp: false,
    };
    this.#running = running;
    this.#stopping = undefined;
    ctx.signal.addEventListener("abort", running.onAbort, { once: true });
    this.#listen(running);

    const timeoutMs = this.#options.startTimeoutMs ?? START_TIMEOUT_MS;
    const timer = setTimeout(() => running.attempt.abort(new StartTimeout(`no connection within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      running.marks = await this.#loadMarks(ctx, log);
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
    void this.#catchUp(running);
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
    // a new session after a lost one (no RESUME): what was sent meanwhile is fetched, as at start
    client.on(Events.ShardReady, guarded(log, "ready handler", () => (running.connected ? this.#catchUp(running) : undefined)));
  }

  async #onMessage(running: Running, message: Message): Promise<void> {
    const { client } = running;
    const botUserId = client.user?.id;
    if (!botUserId || !this.#recent.addNew(message.id)) return;
    const facts = messageFacts(message);
    if (!facts) return;
    await this.#handleFacts(running, facts, botRoleIds(message, botUserId));
  }

  /** A message from the gateway or from catch-up: normalized, its thread's parent found, dispatched and tracked. */
  async #handleFacts(running: Running, facts: MessageFacts, roleIds: string[]): Promise<boolean> {
    const { client, ctx, log } = running;
    const botUserId = client.user?.id;
    if (!botUserId) return false;
    const inbound = toInboundMessage(facts, { accountId: this.#options.accountId, userId: botUserId, roleIds });
    if (!inbound) return false;
    if (inbound.chatKind === "channel" && facts.isThread && !inbound.parentChatId) {
      const completed = await this.#completeChannel(running, { channelId: inbound.chatId, guildId: inbound.guildId, isThread: true });
      if (completed.parentId) inbound.parentChatId = completed.parentId;
    }
    if (facts.attachments?.length) inbound.attachments = toAttachments(facts.attachments, running.lifetime.signal);
    const chat = { chatId: inbound.chatId, ...(inbound.guildId ? { guildId: inbound.guildId } : {}), ...(inbound.parentChatId ? { parentId: inbound.parentChatId } : {}), ...(facts.isThread ? { isThread: true } : {}) };
    const watch = inbound.chatKind === "dm" || inbound.mentioned || !this.#mentionRequired(ctx, inbound.guildId);
    const wasWatched = running.marks.isWatched(chat.chatId);
    const tracked = running.marks.dispatched(chat, inbound.messageId, watch, Date.now());
    if (tracked && !wasWatched) this.#saveMarks(running);
    try {
      const receipt = await ctx.dispatch(inbound);
      if (tracked) {
        void receipt.settled.then((settlement) => {
          if (this.#running === running && running.marks.settled(chat.chatId, inbound.messageId, settlement)) this.#saveMarks(running);
        });
      }
    } catch (error) {
      log.error("discord: dispatch failed", { messageId: facts.id, error: errorText(error) });
      if (tracked && running.marks.settled(chat.chatId, inbound.messageId, "done")) this.#saveMarks(running);
    }
    return true;
  }

  /** Does the bot answer only when addressed in this guild (`guilds.<id>.requireMention`, else `requireMention`)? */
  #mentionRequired(ctx: ChannelContext, guildId: string | undefined): boolean {
    if (!guildId) return false;
    const guild = (ctx.config.guilds as Record<string, { requireMention?: boolean }> | undefined)?.[guildId];
    return (guild?.requireMention ?? ctx.config.requireMention) !== false;
  }

  async #loadMarks(ctx: ChannelContext, log: Logger): Promise<CatchUpMarks> {
    try {
      return new CatchUpMarks(readRecord(await ctx.state.get(CATCH_UP_KEY)));
    } catch (error) {
      const where = await ctx.state.setAside(CATCH_UP_KEY).catch(() => "(could not move it)");
      log.warn("discord: the catch-up record was unreadable; set aside, catch-up starts afresh", { error: errorText(error), movedTo: where });
      return new CatchUpMarks();
    }
  }

  /** Stores the marks; writes do not overlap, and changes made during a write are written after it. */
  #saveMarks(running: Running): void {
    running.dirty = true;
    if (running.saving) return;
    const write = async (): Promise<void> => {
      while (running.dirty) {
        running.dirty = false;
        try {
          await running.ctx.state.set(CATCH_UP_KEY, running.marks.record());
        } catch (error) {
          running.log.warn("discord: could not store the catch-up marks", { error: errorText(error) });
        }
      }
    };
    running.saving = write().finally(() => {
      running.saving = undefined;
    });
  }

  /**
   * Fetches what each watched channel received since its mark (at most `maxMessages`, none older
   * than `maxAgeMs`) and handles it like gateway messages; one already handled is skipped.
   */
  async #catchUp(running: Running): Promise<void> {
    if (running.catchingUp) return;
    running.catchingUp = true;
    const { client, log } = running;
    const limits = { ...DEFAULT_CATCH_UP, ...this.#options.catchUp };
    let channels = 0;
    let dispatched = 0;
    try {
      for (const mark of running.marks.watched()) {
        if (this.#running !== running || running.lifetime.signal.aborted) return;
        const query = new URLSearchParams({ after: fetchAfter(mark, Date.now(), limits), limit: String(Math.min(100, limits.maxMessages)) });
        let page: unknown;
        try {
          page = await client.rest.get(Routes.channelMessages(mark.chatId), { query, signal: this.#deadline() });
        } catch (error) {
          if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404)) {
            log.info("discord: a watched channel can no longer be read; not watched any more", { chatId: mark.chatId, error: errorText(error) });
            if (running.marks.forget(mark.chatId)) this.#saveMarks(running);
          } else {
            log.warn("discord: catch-up could not read a channel", { chatId: mark.chatId, error: errorText(error) });
          }
          continue;
        }
        channels++;
        const where = { channelId: mark.chatId, ...(mark.guildId ? { guildId: mark.guildId } : {}), isThread: mark.isThread === true, ...(mark.parentId ? { parentId: mark.parentId } : {}) };
        const facts = (Array.isArray(page) ? page : [])
          .map((raw) => rawMessageFacts(raw, where))
          .filter((f): f is MessageFacts => f !== null)
          .sort((a, b) => compareIds(a.id, b.id));
        const botUserId = client.user?.id ?? "";
        for (const message of facts) {
          if (this.#running !== running) return;
          if (running.marks.isDone(mark.chatId, message.id) || !this.#recent.addNew(message.id)) continue;
          if (await this.#handleFacts(running, message, guildBotRoleIds(client, mark.guildId, botUserId))) dispatched++;
        }
      }
      if (dispatched) log.info("discord: answered messages sent while offline", { channels, messages: dispatched });
    } catch (error) {
      log.warn("discord: catch-up failed", { error: errorText(error) });
    } finally {
      running.catchingUp = false;
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
    const marksWritten = running.saving ?? Promise.resolve();
    await withTimeout(Promise.all([destroyForGood(running.client), running.limiter.stop(), marksWritten]), timeoutMs).catch((error: unknown) => {
      if (error instanceof TimeoutError) running.log.warn("discord: gateway did not close in time; dropped", { timeoutMs });
      else running.log.warn("discord: error while stopping", { error: errorText(error) });
    });
  }
}
