import type { AgentRuntime } from "../agents/runtime.js";
import type { TurnOutcome } from "../agents/turn.js";
import { agentForMessage } from "../agents/agents.js";
import type { BatonConfig } from "../config/schema.js";
import type { ChannelPlugin, CommandChoice, CompletionRequest, InboundMessage, Logger, OutboundMessage, ReplySink, Settlement } from "../plugin-api.js";
import { sessionKeysFor } from "../sessions/keys.js";
import { SessionStoreError } from "../sessions/store.js";
import { canRunPrivilegedCommands, checkAccess } from "./access.js";
import { parseCommandText, type CommandContext, type CommandRegistry } from "./commands/registry.js";
import { sendReply, StreamingReply, type ReplyChannel } from "./delivery.js";
import { SessionQueue } from "./session-queue.js";

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

/**
 * The path of every inbound message: access check -> agent (bindings) -> session key ->
 * command or a queued agent turn -> reply formatted and split for the channel.
 */
export class Router {
  readonly queue: SessionQueue;
  private readonly seen = new Set<string>();
  private readonly editIntervalMs: number;
  private readonly typingIntervalMs: number;
  /** Set when the gateway stops: runs aborted from now on are abandoned, not answered. */
  private shuttingDown = false;

  constructor(private readonly options: RouterOptions) {
    const gateway = options.config.gateway;
    this.queue = new SessionQueue({ concurrency: gateway?.concurrency ?? 8, maxPending: gateway?.queue?.maxPending ?? 10 });
    this.editIntervalMs = options.editIntervalMs ?? gateway?.streaming?.editIntervalMs ?? 1200;
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
      };
    }
    const target = { chatId: message.chatId, topicId: message.topicId };
    return {
      limits: plugin.limits,
      send: (m: OutboundMessage) => plugin.send(target, m),
      edit: plugin.edit && plugin.limits.canEdit ? (id, m) => plugin.edit!(target, id, m) : undefined,
      typing: plugin.typing ? () => plugin.typing!(target) : undefined,
    };
  }

  async handle(plugin: ChannelPlugin, message: InboundMessage, sink?: ReplySink): Promise<RouteResult> {
    const { config, log } = this.options;
    if (message.senderIsBot) return { kind: "ignored", reason: "bot" };
    if (this.shuttingDown) return { kind: "abandoned" };
    const dedupeKey = `${message.channel}:${message.accountId}:${message.chatId}:${message.messageId}`;
    if (!message.commandArgs) {
      if (this.seen.has(dedupeKey)) return { kind: "ignored", reason: "duplicate" };
      this.seen.add(dedupeKey);
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    }
    const reply = this.channelFor(plugin, message, sink);
    const access = checkAccess(config, message);
    if (!access.allowed) {
      if (access.reason === "not_allowed" && message.chatKind === "dm") {
        await this.safeSend(reply, `You are not allowed to use this bot. Your id is \`${message.senderId}\`; the owner can add it to channels.${message.channel}.allowFrom.`);
        return { kind: "refused" };
      }
      return { kind: "ignored", reason: access.reason };
    }
    const agentId = agentForMessage(config, message);
    const { key: sessionKey, parentKey } = sessionKeysFor(message);

    const command = parseCommandText(message.text);
    const definition = command && this.options.registry.get(command.name);
    if (command && definition) {
      const args = message.commandArgs ? (definition.argsFromNative?.(message.commandArgs) ?? Object.values(message.commandArgs).join(" ")) : command.args;
      if (definition.privileged(args) && !canRunPrivilegedCommands(config, message)) {
        if (message.chatKind === "dm") await this.safeSend(reply, `You are not allowed to run /${definition.name} ${preview(args)}`.trim() + ".", { ephemeral: true });
        else if (sink) await this.safeSend(reply, "You are not allowed to do that here.", { ephemeral: true });
        return { kind: "refused" };
      }
      const ctx: CommandContext = { message, args, agentId, sessionKey, parentKey, runtime: this.options.runtime, config, queue: this.queue, registry: this.options.registry };
      try {
        const result = await definition.run(ctx);
        if (result) await sendReply(reply, result.text, { buttons: result.buttons, ephemeral: result.ephemeral });
      } catch (err) {
        log.error("command failed", { command: definition.name, sessionKey, error: errorText(err) });
        await this.safeSend(reply, userFacingError(err), { ephemeral: true });
      }
      return { kind: "command", name: definition.name };
    }
    if (command && !definition && message.chatKind === "dm") {
      await this.safeSend(reply, `Unknown command /${command.name}. See /help.`);
      return { kind: "command", name: command.name };
    }
    if (!message.text.trim()) return { kind: "ignored", reason: "empty" };

    const queued = this.queue.enqueue(sessionKey, { run: (signal) => this.runTurn(reply, message, agentId, sessionKey, parentKey, signal) });
    if (!queued.accepted) {
      await this.safeSend(reply, `I'm still working on your earlier messages, so this one was dropped: "${preview(message.text)}". Send it again in a moment, or /stop.`);
      return { kind: "dropped" };
    }
    return { kind: "queued", done: queued.done };
  }

  /** Shutdown: abort every run (each settles `abandoned`) and wait up to `graceMs` for them to end. */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    this.queue.stopAll();
    await this.queue.drainFor(graceMs);
  }

  private async runTurn(reply: ReplyChannel, message: InboundMessage, agentId: string, sessionKey: string, parentKey: string | undefined, signal: AbortSignal): Promise<Settlement> {
    const stream = reply.edit ? new StreamingReply({ ...reply, edit: reply.edit }, this.editIntervalMs) : undefined;
    const typing = reply.typing ? this.keepTyping(reply.typing, signal) : undefined;
    try {
      const outcome = await this.options.runtime.runTurn({
        agentId,
        sessionKey,
        parentKey,
        text: message.text,
        signal,
        onText: stream ? (delta) => stream.push(delta) : undefined,
        onRestart: stream ? () => stream.restart() : undefined,
      });
      typing?.stop();
      this.options.onTurn?.({ sessionKey, agentId, outcome });
      if (outcome.ok) {
        const text = outcome.text.trim() ? outcome.text : "(empty reply)";
        if (stream) await stream.finish(text);
        else await sendReply(reply, text);
      } else if (outcome.aborted) {
        // cut off by a shutdown: say nothing now; the channel may offer the message again after the restart
        if (this.shuttingDown) return "abandoned";
        if (stream) await stream.finish("Stopped.");
      } else {
        this.options.log.warn("turn failed", { sessionKey, failureClass: outcome.failureClass, attempts: outcome.attempts.length });
        if (stream) await stream.finish(outcome.message);
        else await sendReply(reply, outcome.message);
      }
    } catch (err) {
      typing?.stop();
      this.options.log.error("turn crashed", { sessionKey, error: errorText(err) });
      await this.safeSend(reply, userFacingError(err));
    }
    return "done";
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
      this.options.log.error("could not send reply", { error: errorText(err) });
    }
  }

  registrySpecs() {
    return this.options.registry.specs();
  }

  async complete(request: CompletionRequest): Promise<CommandChoice[]> {
    const definition = this.options.registry.get(request.command);
    if (!definition?.complete) return [];
    if (!checkAccess(this.options.config, { ...request.message, mentioned: true }).allowed) return [];
    const { key: sessionKey, parentKey } = sessionKeysFor(request.message);
    const agentId = agentForMessage(this.options.config, request.message);
    const ctx = { message: request.message, agentId, sessionKey, parentKey, runtime: this.options.runtime, config: this.options.config, queue: this.queue, registry: this.options.registry };
    try {
      return (await definition.complete(request.arg, request.value, ctx)).slice(0, 25);
    } catch (err) {
      this.options.log.warn("completion failed", { command: request.command, error: errorText(err) });
      return [];
    }
  }
}

/** At most 60 characters of user text to quote back, never cutting a character in half. */
function preview(text: string): string {
  const codePoints = Array.from(text);
  return codePoints.length > 60 ? `${codePoints.slice(0, 60).join("")}…` : text;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A plain reason for the chat user: known error types say what they are; never a stack trace. */
function userFacingError(err: unknown): string {
  if (err instanceof SessionStoreError) return err.message;
  if (err instanceof Error && err.name === "AuthStoreError") return err.message;
  return "Something went wrong while handling that message; the gateway log has the details.";
}
