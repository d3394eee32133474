import type { AgentRuntime } from "../agents/runtime.js";
import { BoundedSet } from "../util/bounded-set.js";
import type { TurnOutcome } from "../agents/turn.js";
import { agentForMessage } from "../agents/agents.js";
import type { BatonConfig } from "../config/schema.js";
import type { ChannelPlugin, CommandChoice, AutocompleteRequest, InboundMessage, Logger, OutboundMessage, OutboundTarget, ReplySink, Settlement } from "../plugin-api.js";
import { sessionKeysFor } from "../sessions/keys.js";
import { SessionStoreError } from "../state/sessions.js";
import { StateUnavailableError } from "../state/unavailable.js";
import { canPinProfile, canRunPrivilegedCommands, checkAccess } from "./access.js";
import { PairingGate } from "../pairing/gate.js";
import { pairingCodeReply, pairingFullReply } from "../pairing/messages.js";
import { parseCommandText, type CommandContext, type CommandRegistry } from "./commands/registry.js";
import { INTERRUPTED_NOTE, sendReply, STOPPED_NOTE, StreamingReply, type ReplyChannel, type ReplyOptions } from "./delivery.js";
import { previewOf } from "../sessions/service.js";
import type { ImageBlock } from "../providers/types.js";
import { prepareAttachments } from "./attachments.js";
import { SessionQueue, type JobStep } from "./session-queue.js";
import { ChannelUnavailableError } from "./channel-supervisor.js";
import { describeThrown } from "../util/log.js";
import { fallbackNotice, withNotice } from "./fallback-notice.js";
import { hideServerPaths } from "../util/redact.js";
import { pause } from "../util/timeout.js";

export interface RouterOptions {
  config: BatonConfig;
  runtime: AgentRuntime;
  registry: CommandRegistry;
  log: Logger;
  /** Throttle for streamed edits. */
  editIntervalMs?: number;
  typingIntervalMs?: number;
  /** Told of every finished agent turn (the CLI's --json, benchmarks). */
  onTurn?: (event: { sessionKey: string; agentId: string; outcome: TurnOutcome }) => void;
}

/** What happened to one inbound message (for tests and the CLI). */
export type RouteResult =
  | { kind: "ignored"; reason: string }
  | { kind: "refused" }
  | { kind: "command"; name: string }
  | { kind: "queued"; done: Promise<Settlement> }
  | { kind: "dropped" }
  /** Arrived while the gateway was stopping: not handled, to be offered again after a restart. */
  | { kind: "abandoned" };

const SEEN_LIMIT = 5000;
const IGNORED_GROUPS_LIMIT = 1000;

/**
 * The path of every inbound message: access check -> agent (bindings) -> session key ->
 * command or a queued agent turn -> reply formatted and split for the channel.
 */
export class Router {
  readonly queue: SessionQueue;
  /** Platform messages already taken (by channel, account, chat and message id). */
  private readonly seen = new BoundedSet<string>(SEEN_LIMIT);
  private readonly editIntervalMs: number;
  private readonly typingIntervalMs: number;
  /** Set when the gateway stops: runs aborted from now on are abandoned, not answered. */
  private shuttingDown = false;
  /** Groups already logged as not listed (config keys). */
  private readonly ignoredGroups = new BoundedSet<string>(IGNORED_GROUPS_LIMIT);
  private pairingGate?: PairingGate;

  constructor(private readonly options: RouterOptions) {
    const gateway = options.config.gateway;
    this.queue = new SessionQueue({ concurrency: gateway.concurrency, maxPending: gateway.queue.maxPending });
    this.editIntervalMs = options.editIntervalMs ?? gateway.streaming.editIntervalMs;
    this.typingIntervalMs = options.typingIntervalMs ?? 4000;
  }

  /** Replies for `message` go to `sink` when given, else to the plugin's chat. */
  private channelFor(plugin: ChannelPlugin, message: InboundMessage, sink?: ReplySink): ReplyChannel {
    if (sink) {
      return {
        limits: plugin.limits,
        send: (m) => sink.send(m),
        edit: sink.edit ? (id, m) => sink.edit!(id, m) : undefined,
        typing: sink.typing ? () => sink.typing!() : undefined,
        sendFile: sink.sendFile ? (file) => sink.sendFile!(file) : undefined,
      };
    }
    const target = { chatId: message.chatId, topicId: message.topicId };
    // in a group the reply quotes the message it answers: its first message only (an edit of a
    // preview sent before a restart counts as that first message)
    let quote = message.chatKind === "dm" ? undefined : message.messageId;
    const next = (): OutboundTarget => {
      const replyTo = quote;
      quote = undefined;
      return replyTo ? { ...target, replyToMessageId: replyTo } : target;
    };
    return {
      limits: plugin.limits,
      send: (m: OutboundMessage) => plugin.send(next(), m),
      edit: plugin.edit && plugin.limits.canEdit ? (id, m) => plugin.edit!(next(), id, m) : undefined,
      typing: plugin.typing ? () => plugin.typing!(target) : undefined,
      sendFile: plugin.sendFile ? (file) => plugin.sendFile!(next(), file) : undefined,
    };
  }

  async handle(plugin: ChannelPlugin, message: InboundMessage, sink?: ReplySink): Promise<RouteResult> {
    const { config, log } = this.options;
    if (message.senderIsBot) return { kind: "ignored", reason: "bot" };
    if (this.shuttingDown) return { kind: "abandoned" };
    const dedupeKey = `${message.channel}:${message.accountId}:${message.chatId}:${message.messageId}`;
    if (!message.commandArgs) {
      if (!this.seen.addNew(dedupeKey)) return { kind: "ignored", reason: "duplicate" };
    }
    const reply = this.channelFor(plugin, message, sink);
    const refusal = await this.admit(message, reply, Boolean(sink || message.commandArgs));
    if (refusal) return refusal;
    const agentId = agentForMessage(config, message);
    const { key: sessionKey, parentKey } = sessionKeysFor(message);

    const command = parseCommandText(message.text);
    const definition = command && this.options.registry.get(command.name);
    if (command && definition) {
      const args = message.commandArgs ? (definition.argsFromNative?.(message.commandArgs) ?? Object.values(message.commandArgs).join(" ")) : command.args;
      const ctx: CommandContext = { message, args, agentId, sessionKey, parentKey, runtime: this.options.runtime, config, queue: this.queue, registry: this.options.registry };
      const native = Boolean(sink || message.commandArgs);
      if (definition.privileged(args) && !canRunPrivilegedCommands(config, message) && !(await definition.permitsUnprivileged?.(ctx))) {
        if (message.chatKind === "dm") await this.safeSend(reply, `You are not allowed to run /${definition.name} ${preview(args)}`.trim() + ".", { ephemeral: true });
        else if (native) await this.safeSend(reply, "You are not allowed to do that here.", { ephemeral: true });
        return { kind: "refused" };
      }
      try {
        const result = await definition.run(ctx);
        if (result) await sendReply(reply, result.text, { buttons: result.buttons, ephemeral: result.ephemeral });
        // a refusal kept silent in a group still answers a native command, whose platform waits for a reply
        else if (native) await this.safeSend(reply, "You are not allowed to do that here.", { ephemeral: true });
      } catch (err) {
        log.error("command failed", { command: definition.name, sessionKey, error: describeThrown(err) });
        await this.safeSend(reply, this.userFacingError(err), { ephemeral: true });
      }
      return { kind: "command", name: definition.name };
    }
    if (command && !definition && message.chatKind === "dm") {
      await this.safeSend(reply, `Unknown command /${command.name}. See /help.`);
      return { kind: "command", name: command.name };
    }
    const hasAttachments = Array.isArray(message.attachments) && message.attachments.length > 0;
    if (!message.text.trim() && !hasAttachments) return { kind: "ignored", reason: "empty" };

    const turn = { reply, message, agentId, sessionKey, parentKey, viaSink: Boolean(sink) };
    const queued = this.queue.enqueue(sessionKey, { run: (signal) => this.runTurn(turn, signal) });
    // an abandoned message may be offered again in this process (a restarted channel's journal): let it in
    if (queued.accepted) void queued.done.then((settlement) => settlement === "abandoned" && this.seen.delete(dedupeKey), () => undefined);
    if (!queued.accepted) {
      await this.safeSend(reply, `I'm still working on your earlier messages, so this one was dropped: "${preview(message.text)}". Send it again in a moment, or /stop.`);
      return { kind: "dropped" };
    }
    return { kind: "queued", done: queued.done };
  }

  /**
   * The access check of `handle()`: undefined when the message may be handled, else what
   * happened to it. `answerExpected`: a native command or button press, whose platform waits
   * for a reply, so even a refusal that is silent for plain messages answers (ephemeral).
   */
  private async admit(message: InboundMessage, reply: ReplyChannel, answerExpected: boolean): Promise<RouteResult | undefined> {
    const { config, log } = this.options;
    let access = checkAccess(config, message);
    if (!access.allowed && access.pairable) {
      try {
        if (await this.pairing.isApproved(message.channel, message.senderId)) access = checkAccess(config, message, true);
      } catch (err) {
        log.error("cannot read pairing approvals; refusing DMs from senders outside allowFrom until it is fixed", { channel: message.channel, error: describeThrown(err) });
        await this.safeSend(reply, "This bot cannot check pairings right now; its owner can see why in the gateway log.", { ephemeral: true });
        return { kind: "refused" };
      }
    }
    if (access.allowed) return undefined;
    switch (access.reason) {
      case "pairing":
        return this.offerPairing(message, reply);
      case "not_allowed":
        if (message.chatKind === "dm") {
          await this.safeSend(reply, `You are not allowed to use this bot. Your id is \`${message.senderId}\`; the owner can add it to channels.${message.channel}.allowFrom.`, { ephemeral: true });
          return { kind: "refused" };
        }
        break;
      case "group_not_listed":
        this.logIgnoredGroup(message, access.configKey ?? "");
        break;
    }
    if (!answerExpected) return { kind: "ignored", reason: access.reason };
    const text =
      access.reason === "dm_disabled" ? "This bot does not take direct messages." : access.reason === "not_allowed" ? "You are not allowed to use this bot here." : "This bot does not answer in this chat.";
    await this.safeSend(reply, text, { ephemeral: true });
    return { kind: "refused" };
  }

  /** An unknown DM sender under `dmPolicy: "pairing"`: their code and what the owner runs; nothing else happens. */
  private async offerPairing(message: InboundMessage, reply: ReplyChannel): Promise<RouteResult> {
    const { log } = this.options;
    let text: string;
    try {
      const outcome = await this.pairing.request(message.channel, { userId: message.senderId, name: message.senderName });
      if (outcome.kind === "approved") {
        // approved between the check and now (a CLI run): let the next message through
        text = "You have just been approved; send your message again.";
      } else if (outcome.kind === "full") {
        log.info("pairing request refused: too many pending", { channel: message.channel, senderId: message.senderId });
        text = pairingFullReply();
      } else {
        if (outcome.kind === "issued") log.info("pairing requested", { channel: message.channel, senderId: message.senderId, code: outcome.code });
        text = pairingCodeReply(message.channel, outcome.code);
      }
    } catch (err) {
      log.error("cannot record a pairing request", { channel: message.channel, error: describeThrown(err) });
      text = "This bot cannot take pairing requests right now; its owner can see why in the gateway log.";
    }
    await this.safeSend(reply, text, { ephemeral: true });
    return { kind: "refused" };
  }

  /** Once per group (bounded): which config key would let the bot answer there. */
  private logIgnoredGroup(message: InboundMessage, configKey: string): void {
    if (!this.ignoredGroups.addNew(configKey)) return;
    this.options.log.info(`ignoring messages from a group that is not listed; to answer there add ${configKey}: {} to the config`, {
      channel: message.channel,
      chatId: message.chatId,
      ...(message.guildId ? { guildId: message.guildId } : {}),
    });
  }

  private get pairing(): PairingGate {
    this.pairingGate ??= new PairingGate((channel) => this.options.runtime.state.pairing(channel));
    return this.pairingGate;
  }

  /** Shutdown: abort every run (each settles `abandoned`) and wait up to `graceMs` for them to end. */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    this.queue.stopAll();
    await this.queue.drainFor(graceMs);
  }

  private async runTurn(turn: QueuedTurn, signal: AbortSignal): Promise<JobStep> {
    const { reply, message, agentId, sessionKey, parentKey } = turn;
    const sessions = this.options.runtime.sessions(agentId);
    // a preview a run cut off by a restart left on the chat: this run's reply replaces it (not through a sink: its messages end with it)
    const previewId = turn.viaSink || !reply.edit ? undefined : await sessions.get(sessionKey).then((session) => previewOf(session, message.messageId), () => undefined);
    const stream = reply.edit
      ? new StreamingReply(
          { ...reply, edit: reply.edit },
          {
            intervalMs: this.editIntervalMs,
            previewId,
            onPreview: turn.viaSink ? undefined : (id) => sessions.notePreview(sessionKey, message.messageId, id).catch((err) => this.options.log.warn("could not remember a reply preview", { sessionKey, error: describeThrown(err) })),
          },
        )
      : undefined;
    const typing = reply.typing ? this.keepTyping(reply.typing, signal) : undefined;
    try {
      await this.whileStateReturns(signal, () => this.recheckPin(reply, agentId, sessionKey));
      const images = await this.imagesOf(reply, message, signal);
      if (images === "none") return this.shuttingDown ? "abandoned" : "done";
      const outcome = await this.whileStateReturns(signal, () => this.options.runtime.runTurn({
        agentId,
        sessionKey,
        parentKey,
        text: message.text,
        ...(images.length ? { images } : {}),
        messageId: message.messageId,
        sender: `${message.channel}:${message.senderId}`,
        signal,
        onText: stream ? (delta) => stream.push(delta) : undefined,
        onRestart: stream ? () => stream.restart() : undefined,
      }));
      typing?.stop();
      if ("replayed" in outcome) {
        this.options.log.info("replayed message already answered; sending what was not delivered", { sessionKey, delivered: outcome.delivered });
        const replayStream = outcome.delivered === 0 ? stream : undefined;
        return { deliver: () => this.deliver(reply, replayStream, outcome.text, signal, { agentId, sessionKey, messageId: message.messageId, skipParts: outcome.delivered }) };
      }
      this.options.onTurn?.({ sessionKey, agentId, outcome });
      if (outcome.ok) {
        // the notice goes to the chat only; the session's history keeps the model's text
        const notice = this.options.config.messages.fallbackNotice ? fallbackNotice(outcome) : undefined;
        const text = withNotice(outcome.text.trim() ? outcome.text : "(empty reply)", notice);
        return { deliver: () => this.deliver(reply, stream, text, signal, { agentId, sessionKey, messageId: message.messageId }) };
      }
      if (outcome.aborted) {
        // cut off by a shutdown: the preview says so; the channel may offer the message again after the restart.
        // Cut off by /stop: the preview says so, and /stop itself answers.
        await stream?.endWith(this.shuttingDown ? INTERRUPTED_NOTE : STOPPED_NOTE).catch((err) => this.options.log.warn("could not mark the preview", { sessionKey, error: describeThrown(err) }));
        return this.shuttingDown ? "abandoned" : "done";
      }
      this.options.log.warn("turn failed", { sessionKey, failureClass: outcome.failureClass, attempts: outcome.attempts.length });
      return { deliver: () => this.deliver(reply, stream, outcome.message, signal) };
    } catch (err) {
      typing?.stop();
      await stream?.settle();
      this.options.log.error("turn crashed", { sessionKey, error: describeThrown(err) });
      const message = this.userFacingError(err);
      this.options.onTurn?.({ sessionKey, agentId, outcome: { ok: false, aborted: false, message, attempts: [] } });
      await this.safeSend(reply, message);
      return "done";
    }
  }

  /**
   * The message's images for the model; the sender is told about every file left out (not an
   * image, too large, unreadable). "none" when nothing is left to answer (only left-out files,
   * or the run was stopped while downloading).
   */
  private async imagesOf(reply: ReplyChannel, message: InboundMessage, signal: AbortSignal): Promise<ImageBlock[] | "none"> {
    const attachments = Array.isArray(message.attachments) ? message.attachments : [];
    if (!attachments.length) return [];
    const prepared = await prepareAttachments(attachments, signal).catch(() => undefined);
    if (!prepared) return "none";
    if (prepared.notes.length) await this.safeSend(reply, prepared.notes.join("\n"));
    return prepared.images.length || message.text.trim() ? prepared.images : "none";
  }

  /**
   * Sends a reply outside the turn-concurrency slot, checking `/stop` and shutdown between
   * parts. With `record`, each delivered part is written to the session, so a message replayed
   * after a restart gets only the parts that never arrived.
   */
  private async deliver(
    reply: ReplyChannel,
    stream: StreamingReply | undefined,
    text: string,
    signal: AbortSignal,
    record?: { agentId: string; sessionKey: string; messageId: string; skipParts?: number },
  ): Promise<Settlement> {
    const options: ReplyOptions = {
      signal,
      maxParts: this.options.config.messages.maxParts,
      skipParts: record?.skipParts,
      onDelivered: record ? (n) => this.options.runtime.sessions(record.agentId).markDelivered(record.sessionKey, record.messageId, n) : undefined,
    };
    try {
      if (stream) await stream.finish(text, options);
      else await sendReply(reply, text, options);
    } catch (err) {
      if (err instanceof ChannelUnavailableError) {
        // the channel is being restarted: a channel that keeps a journal offers the message again
        this.options.log.info("channel down while replying; the reply waits for the message to be offered again", { sessionKey: record?.sessionKey });
        return "abandoned";
      }
      this.options.log.error("could not deliver reply", { sessionKey: record?.sessionKey, error: describeThrown(err) });
    }
    return signal.aborted && this.shuttingDown ? "abandoned" : "done";
  }

  /**
   * A pin is an authorization checked when it is used: the sender who pinned must still be
   * allowed to pin that profile, and the profile must still exist. Otherwise the pin is lifted
   * (the model choice stays) and the chat is told once, before anything is sent.
   */
  private async recheckPin(reply: ReplyChannel, agentId: string, sessionKey: string): Promise<void> {
    const { runtime, config } = this.options;
    const sessions = runtime.sessions(agentId);
    const session = await sessions.get(sessionKey);
    const profileId = session.pinnedProfileId;
    if (!profileId) return;
    const pinner = pinnerOf(session.pinnedBy ?? "", sessionKey);
    let reason: string | undefined;
    if (!session.pinnedBy || !canPinProfile(config, pinner, profileId)) reason = `${session.pinnedBy ?? "its owner"} may no longer use that profile`;
    else if (!(await runtime.profileExists(agentId, profileId))) reason = "that profile no longer exists";
    if (!reason) return;
    await sessions.setModel(sessionKey, { pin: null });
    this.options.log.warn("pin lifted", { sessionKey, profileId, pinnedBy: session.pinnedBy, reason });
    await this.safeSend(reply, `The pin on profile ${profileId} was lifted: ${reason}. This chat now uses the normal profile order.`);
  }

  private keepTyping(typing: () => Promise<void>, signal: AbortSignal): { stop(): void } {
    const tick = () => void typing().catch(() => undefined);
    tick();
    const timer = setInterval(tick, this.typingIntervalMs);
    const stop = () => clearInterval(timer);
    signal.addEventListener("abort", stop, { once: true });
    return { stop };
  }

  private async safeSend(reply: ReplyChannel, text: string, options: { ephemeral?: boolean } = {}): Promise<void> {
    try {
      await sendReply(reply, text, options);
    } catch (err) {
      this.options.log.error("could not send reply", { error: describeThrown(err) });
    }
  }

  /** A plain reason for the chat user: known error types say what they are, server paths hidden; never a stack trace. */
  /**
   * Runs `work`, again after a pause when the shared state backend was out of reach (a Redis
   * restart or failover takes a moment): 3 tries over about 3 s, then the error stands and the
   * user is told Baton is temporarily unavailable. Nothing of the turn was stored by a failed try.
   */
  private async whileStateReturns<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (!(err instanceof StateUnavailableError) || attempt >= 2 || signal.aborted) throw err;
        this.options.log.warn("state backend out of reach; trying the message again shortly", { attempt: attempt + 1, error: describeThrown(err) });
        await pause(1000 * 2 ** attempt, signal);
      }
    }
  }

  private userFacingError(err: unknown): string {
    if (err instanceof SessionStoreError || (err instanceof Error && err.name === "AuthStoreError")) {
      return hideServerPaths(err.message, this.options.runtime.runtime.paths.stateDir);
    }
    if (err instanceof Error && err.name === "SessionBusyError") return "This conversation is busy in another Baton process; try again in a moment.";
    if (err instanceof StateUnavailableError) return "Baton is temporarily unavailable (it cannot reach its state store). Please try again in a moment.";
    return "Something went wrong while handling that message; the gateway log has the details.";
  }

  registrySpecs() {
    return this.options.registry.specs();
  }

  async complete(request: AutocompleteRequest): Promise<CommandChoice[]> {
    const definition = this.options.registry.get(request.command);
    if (!definition?.complete) return [];
    const message = { ...request.message, mentioned: true };
    const access = checkAccess(this.options.config, message);
    if (!access.allowed) {
      const approved = access.pairable && (await this.pairing.isApproved(message.channel, message.senderId).catch(() => false));
      if (!approved) return [];
    }
    const { key: sessionKey, parentKey } = sessionKeysFor(request.message);
    const agentId = agentForMessage(this.options.config, request.message);
    const ctx = { message: request.message, agentId, sessionKey, parentKey, runtime: this.options.runtime, config: this.options.config, queue: this.queue, registry: this.options.registry };
    try {
      return (await definition.complete(request.arg, request.value, ctx)).slice(0, 25);
    } catch (err) {
      this.options.log.warn("completion failed", { command: request.command, error: describeThrown(err) });
      return [];
    }
  }
}

/** A message queued for an agent turn, with where its reply goes. */
interface QueuedTurn {
  reply: ReplyChannel;
  message: InboundMessage;
  agentId: string;
  sessionKey: string;
  parentKey: string | undefined;
  /** Replies go to a dispatch sink (e.g. an interaction), whose messages do not outlive the process. */
  viaSink: boolean;
}

/** `pinnedBy` is `<channel>:<senderId>` (older sessions: the bare sender id, on the session's channel). */
function pinnerOf(pinnedBy: string, sessionKey: string): { channel: string; senderId: string } {
  const at = pinnedBy.indexOf(":");
  if (at > 0) return { channel: pinnedBy.slice(0, at), senderId: pinnedBy.slice(at + 1) };
  return { channel: sessionKey.slice(0, Math.max(0, sessionKey.indexOf(":"))), senderId: pinnedBy };
}

/** At most 60 characters of user text to quote back, never cutting a character in half. */
function preview(text: string): string {
  const codePoints = Array.from(text);
  return codePoints.length > 60 ? `${codePoints.slice(0, 60).join("")}…` : text;
}

