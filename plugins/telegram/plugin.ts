/**
 * The Telegram channel: a grammY bot that receives updates (long polling via the runner,
 * or a webhook), hands them to the core as {@link InboundMessage}s, and sends what the
 * core gives it within Telegram's flood limits.
 *
 * Delivery is AT LEAST ONCE, across crashes too. Every update taken from Telegram is written
 * to the channel state (`pending`, i.e. `<state>/channels/telegram/pending.json`; pending-journal.ts) before Telegram is told to forget it (the
 * next getUpdates, or the webhook's 200), and stays there until the handler has finished and
 * the core has settled every message dispatched from it (reply delivered, error reported,
 * ignored or dropped). On start, journaled updates go through the same handlers again, oldest
 * first, before any new update is fetched. When the plugin stops, the journal is frozen: what
 * the core lets go of during shutdown (a dropped queue, an aborted turn) was not answered and
 * is handed over again on the next start.
 *
 * De-duplication is best effort. A message is answered twice only in this window: the core
 * had delivered its reply (Telegram accepted the last sendMessage/editMessageText of it), but
 * the journal write that drops the update had not been renamed into place when the process
 * died (SIGKILL, power loss), or the settlement came after a stop began (a reply or an inline
 * command answer still in flight when SIGTERM arrives). Per message the window runs from
 * Telegram accepting that last part, through the HTTP response reaching the gateway and the
 * core settling, to the rename of the next pending.json write that leaves the update out (at
 * most one write already under way plus its own, each an fsync: a few ms on a local disk).
 * The message is then answered again after the restart. In webhook mode, an update Telegram
 * sends again after it was settled (our 200 lost on the way) is answered again too. Nothing
 * else is: polling resumes after the highest id the journal or offset.json has seen, and a
 * webhook update Telegram re-sends while it is still pending is skipped.
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { sequentialize } from "@grammyjs/runner";
import { Api, Bot, type Context } from "grammy";
import type { Update } from "grammy/types";
import {
  IMAGE_LIMITS,
  maskSecret,
  type ChannelContext,
  type ChannelPlugin,
  type InboundMessage,
  type Logger,
  type OutboundFile,
  type OutboundMessage,
  type OutboundTarget,
  type SentMessage,
} from "../../src/plugin-api.js";
import { apiSignal, type ApiSignal } from "./api-signal.js";
import { fetchBotInfo } from "./bot-info.js";
import { CallbackDataCodec } from "./callback-data.js";
import { syncCommandMenu } from "./command-menu.js";
import { journalWebhookUpdates, replayJournal, UpdateSettlements } from "./update-settlement.js";
import { describeError, toSendError } from "./errors.js";
import type { UpdateIntake } from "./intake.js";
import { normalizeCallbackQuery, normalizeMessage, conversationKey, type BotIdentity } from "./normalize.js";
import { fileRefsOf, toAttachments, type FileDownloadDeps } from "./attachments.js";
import { TelegramOutbound } from "./outbound.js";
import { OutboundLimiter, TELEGRAM_OUTBOUND_LIMITS, type OutboundLimits } from "./outbound-limiter.js";
import { PendingJournal } from "./pending-journal.js";
import type { PollBackoff } from "./poll-policy.js";
import { startPolling } from "./polling.js";
import { UpdateOffsetStore } from "./update-offset.js";
import { startWebhookServer, type WebhookLimits } from "./webhook.js";

export interface TelegramPluginOptions {
  accountId: string;
  /** Outbound flood limits; each defaults to Telegram's published one. */
  limits?: Partial<OutboundLimits>;
  /** A 429 asking to wait longer than this (seconds) fails the send instead. Default 60. */
  maxRetryAfterSeconds?: number;
  /** getUpdates long-poll timeout in seconds. Default 30. */
  pollTimeoutSeconds?: number;
  /** How long stop() waits for update handlers already running. Default 2000 ms. */
  stopGraceMs?: number;
  /**
   * How long one start attempt may take (getMe, replaying the journal, setting or deleting the
   * webhook) before it gives up; the gateway then retries with backoff. Default 15000 ms.
   */
  connectTimeoutMs?: number;
  /** Pauses between failed getUpdates calls; default 1 s doubling to 30 s, a 429's retry_after up to 60 s. */
  pollBackoff?: PollBackoff;
  /** Webhook server bounds (body size, header/body/handler timeouts, sockets). */
  webhookLimits?: Partial<WebhookLimits>;
  /** Most unanswered updates kept in the journal; beyond it the oldest are dropped with a warning. Default 1000. */
  journalCapacity?: number;
}

/** The part of `channels.telegram` the plugin reads (validated by the core's schema). */
interface TelegramSection {
  botToken?: string;
  apiRoot?: string;
  webhook?: { url: string; secret: string; host?: string; port: number; path: string };
  commands?: { menu?: boolean };
}

const ALLOWED_UPDATES = ["message", "callback_query"] as const satisfies ReadonlyArray<Exclude<keyof Update, "update_id">>;

interface Running {
  stop(): Promise<void>;
}

interface Lifecycle {
  /** Connected: replies can be sent (before journaled updates are replayed, whose replies need it). */
  connected(outbound: TelegramOutbound): void;
  stopped(): void;
}

/**
 * @example
 * const telegram = createTelegramPlugin({ accountId: "default" });
 * await telegram.start(ctx); // ctx.config = channels.telegram
 * await telegram.send({ chatId: "42" }, { text: "<b>hi</b>", plainText: "hi" });
 */
export function createTelegramPlugin(options: TelegramPluginOptions): ChannelPlugin {
  let running: Running | undefined;
  let starting: Promise<Running> | undefined;
  let outbound: TelegramOutbound | undefined;

  const current = (): TelegramOutbound => {
    if (!outbound) throw new Error("telegram plugin is not running");
    return outbound;
  };

  return {
    id: "telegram",
    limits: { maxMessageLength: 4096, canEdit: true, nativeCommands: true, format: "html" },
    async start(ctx) {
      if (running || starting) throw new Error("telegram plugin already started");
      starting = startTelegram(ctx, options, {
        connected: (connectedOutbound) => {
          outbound = connectedOutbound;
        },
        stopped: () => {
          running = undefined;
          outbound = undefined;
        },
      });
      try {
        running = await starting;
      } finally {
        starting = undefined;
      }
    },
    async stop() {
      const instance = running ?? (await starting?.catch(() => undefined));
      running = undefined;
      await instance?.stop();
    },
    send: async (target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> => current().send(target, message),
    edit: async (target: OutboundTarget, messageId: string, message: OutboundMessage) => current().edit(target, messageId, message),
    typing: async (target: OutboundTarget) => current().typing(target),
    sendFile: async (target: OutboundTarget, file: OutboundFile): Promise<SentMessage> => current().sendFile(target, file),
  };
}

async function startTelegram(ctx: ChannelContext, options: TelegramPluginOptions, lifecycle: Lifecycle): Promise<Running> {
  const config = ctx.config as TelegramSection;
  const token = config.botToken ?? ctx.env.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error("Telegram bot token missing: set channels.telegram.botToken or TELEGRAM_BOT_TOKEN");
  // also the secret half alone: it survives a percent-encoded ":" in a URL
  const log = ctx.log.withSecrets(token, token.slice(token.indexOf(":") + 1));
  if (ctx.signal.aborted) throw new Error("telegram plugin: the gateway is already stopping");
  const graceMs = options.stopGraceMs ?? 2000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  // Aborts every API call, retry wait and background task of this run.
  const lifetime = new AbortController();
  const signal = apiSignal(lifetime.signal);
  let intake: UpdateIntake | undefined;
  let offsets: UpdateOffsetStore | undefined;
  let journal: PendingJournal | undefined;
  let limiter: OutboundLimiter | undefined;
  let menu: Promise<void> | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;

  // Never rejects: it also runs from an abort listener, where a rejection would go unhandled.
  const stop = () =>
    (stopping ??= (async () => {
      ctx.signal.removeEventListener("abort", onAbort);
      try {
        journal?.freeze();
        await intake?.stop(graceMs);
        await offsets?.flush();
        await journal?.flush();
        lifetime.abort();
        await limiter?.stop();
        await menu;
      } catch (err) {
        log.error("telegram: stopping failed", { error: describeError(err, token) });
      } finally {
        lifetime.abort();
        lifecycle.stopped();
      }
    })());
  // While starting, an abort only cancels the pending calls; start() then cleans up and throws.
  const onAbort = () => (started ? void stop() : lifetime.abort());
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  // One attempt, bounded: past the deadline every pending call is cancelled and start() fails.
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    lifetime.abort();
  }, connectTimeoutMs);

  try {
    const apiRoot = config.apiRoot?.replace(/\/+$/, "");
    const pollTimeoutSeconds = options.pollTimeoutSeconds ?? 30;
    // grammY's default request timeout is 500 s; a call outliving a long poll by this much is dead.
    const client = { timeoutSeconds: pollTimeoutSeconds + 30, ...(apiRoot ? { apiRoot } : {}) };
    const bot = new Bot(token, { client });
    bot.api.config.use(
      autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: options.maxRetryAfterSeconds ?? 60, rethrowHttpErrors: true }),
    );
    // A bare Api (no auto-retry): getMe is tried once, and polling sees (and paces) every failure itself.
    const bareApi = new Api(token, client);
    const { identity, me } = await fetchBotInfo({ api: bareApi, token, signal: lifetime.signal });
    bot.botInfo = me;

    const pending = new PendingJournal(ctx.state, log, options.journalCapacity);
    journal = pending;
    await pending.load();
    limiter = new OutboundLimiter({ ...TELEGRAM_OUTBOUND_LIMITS, ...options.limits });
    const codec = new CallbackDataCodec();
    const outbound = new TelegramOutbound({ api: bot.api, limiter, codec, signal, log, token });
    const settlements = new UpdateSettlements((update) => pending.remove(update.update_id));
    const replayed = new WeakSet<Update>();
    // A webhook update is journaled (or skipped as a re-sent one) before it is tracked.
    if (config.webhook) bot.use(journalWebhookUpdates(pending, replayed, log));
    bot.use(settlements.middleware);
    const files: FileDownloadDeps = { api: bot.api, apiRoot: apiRoot ?? "https://api.telegram.org", token, lifetime: lifetime.signal };
    installHandlers(bot, { ctx, identity, codec, accountId: options.accountId, signal, token, settlements, log, files });
    lifecycle.connected(outbound);

    // What the last run took from Telegram but did not finish goes first, before anything new.
    await replayJournal({ bot, journal: pending, replayed, log, token, signal: lifetime.signal });
    if (lifetime.signal.aborted) throw new Error("telegram plugin stopped while starting");

    if (config.webhook) {
      const hook = config.webhook;
      const server = await startWebhookServer({
        bot,
        host: hook.host ?? "127.0.0.1",
        port: hook.port,
        path: hook.path,
        secret: hook.secret,
        log,
        token,
        limits: options.webhookLimits,
      });
      intake = server;
      await bot.api.setWebhook(hook.url, { secret_token: hook.secret, allowed_updates: ALLOWED_UPDATES }, signal);
      log.info("telegram: receiving updates by webhook", { bot: `@${identity.username}`, port: server.port, path: hook.path });
    } else {
      // A webhook left from webhook mode would make every getUpdates answer 409.
      await bot.api.deleteWebhook({}, signal);
      offsets = new UpdateOffsetStore(ctx.state, log);
      await offsets.load();
      if (lifetime.signal.aborted) throw new Error("telegram plugin stopped while starting");
      intake = startPolling({
        bot,
        api: bareApi,
        offsets,
        journal: pending,
        allowedUpdates: ALLOWED_UPDATES,
        timeoutSeconds: pollTimeoutSeconds,
        log,
        token,
        backoff: options.pollBackoff,
        onFatal: (err) => ctx.fail(toSendError(err, token)),
      });
      log.info("telegram: receiving updates by long polling", { bot: `@${identity.username}`, token: maskSecret(token) });
    }

    if (ctx.nativeCommands) {
      // In the background: a slow or rate-limited setMyCommands must not hold up replies.
      menu = syncCommandMenu({
        api: bot.api,
        botId: identity.id,
        specs: ctx.commands(),
        state: ctx.state,
        signal: lifetime.signal,
        log,
      }).then(
        (result) => log.debug("telegram: command menu", { result }),
        (err: unknown) => {
          if (!lifetime.signal.aborted) log.warn("telegram: could not set the command menu", { error: describeError(err, token) });
        },
      );
    }
    started = true;
    clearTimeout(deadline);
    if (ctx.signal.aborted || lifetime.signal.aborted) throw new Error("telegram plugin stopped while starting");
    return { stop };
  } catch (err) {
    clearTimeout(deadline);
    await stop();
    if (timedOut && !ctx.signal.aborted) {
      throw new Error(`no answer from the Telegram Bot API within ${connectTimeoutMs} ms while starting (token ${maskSecret(token)})`);
    }
    throw err;
  }
}

function installHandlers(
  bot: Bot,
  deps: {
    ctx: ChannelContext;
    identity: BotIdentity;
    codec: CallbackDataCodec;
    accountId: string;
    signal: ApiSignal;
    token: string;
    settlements: UpdateSettlements;
    log: Logger;
    files: FileDownloadDeps;
  },
): void {
  const { ctx, identity, codec, accountId, signal, token, settlements, log, files } = deps;
  const dispatch = async (update: Update, message: InboundMessage) => {
    try {
      const receipt = await ctx.dispatch(message);
      settlements.add(update, receipt.settled);
    } catch (err) {
      log.error("telegram: dispatch failed", { chatId: message.chatId, error: describeError(err, token) });
    }
  };

  // One chat (or forum topic) at a time, in order; different chats in parallel. Handlers
  // only dispatch (resolves once the core has queued the message), so a busy chat never
  // holds up another one, nor its own /stop.
  bot.use(sequentialize((c: Context) => conversationKey(c.chat?.id, c.msg)));

  bot.on("message", async (c) => {
    const message = normalizeMessage(c.message, identity, accountId);
    if (!message) return;
    const refs = fileRefsOf(c.message, IMAGE_LIMITS.maxBytes);
    if (refs.length) message.attachments = toAttachments(refs, files);
    await dispatch(c.update, message);
  });

  bot.on("callback_query:data", async (c) => {
    const command = codec.decode(c.callbackQuery.data);
    try {
      await c.answerCallbackQuery(command === undefined ? { text: "This button has expired." } : {}, signal);
    } catch (err) {
      log.warn("telegram: answerCallbackQuery failed", { error: describeError(err, token) });
    }
    if (command === undefined) return;
    const message = normalizeCallbackQuery(c.callbackQuery, command, accountId);
    if (message) await dispatch(c.update, message);
  });

  bot.catch((err) => {
    log.error("telegram: update handler failed", { error: describeError(err.error, token) });
  });
}
