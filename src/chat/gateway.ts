import { AgentRuntime } from "../agents/runtime.js";
import { ensurePrivateDir, type Runtime } from "../config/runtime.js";
import type { ChannelPlugin, ChannelPluginFactory, Logger, ReplySink } from "../plugin-api.js";
import { ChannelSupervisor, type ChannelStatus } from "./channel-supervisor.js";
import { createLogger } from "../util/log.js";
import { defaultCommands } from "./commands/index.js";
import { loadChannelPlugin } from "./plugin-loader.js";
import { Router, type RouteResult, type RouterOptions } from "./router.js";
import { describeThrown } from "../util/log.js";
import { openAccessWarnings } from "./access.js";
import { maskingLogger } from "../util/masking-logger.js";
import { listAgentIds } from "../config/agents.js";
import { AlertWatcher, parseAlertTargets, type AlertTarget } from "./alerts.js";
import { sendReply } from "./delivery.js";

/**
 * Channels to run: each loaded channel whose plugin says so for its section and the environment
 * (`shouldStart`: typically a present, enabled section, or its token in the environment); the
 * local channel (the terminal) when no other starts.
 */
export function configuredChannels(runtime: Pick<Runtime, "config" | "env" | "channels">): string[] {
  const sections = runtime.config.channels ?? {};
  const specs = runtime.channels.all();
  const wanted = specs.filter((spec) => !spec.access.local && spec.shouldStart(sections[spec.id], runtime.env));
  return (wanted.length ? wanted : specs.filter((spec) => spec.access.local)).map((spec) => spec.id);
}

/** One chat message: received from a channel (`in`) or sent to one (`out`: a message or a file, not an edit). */
export type MessageListener = (channel: string, direction: "in" | "out") => void;

export interface GatewayOptions {
  runtime: Runtime;
  /** Channel ids to start (default: {@link configuredChannels}). */
  channels?: string[];
  /** Factories by channel id, instead of loading from plugins/ (tests, embedding). */
  factories?: Record<string, ChannelPluginFactory>;
  log?: Logger & { child(scope: string): Logger };
  onTurn?: RouterOptions["onTurn"];
}

/** The running bot: one router, one agent runtime, a supervisor per channel. */
export class Gateway {
  readonly agents: AgentRuntime;
  readonly router: Router;
  readonly channels: ChannelSupervisor[] = [];
  private readonly abort = new AbortController();
  private readonly log: Logger & { child(scope: string): Logger };
  private readonly messageListeners = new Set<MessageListener>();
  private alerts: AlertWatcher | undefined;

  constructor(private readonly options: GatewayOptions) {
    this.log = options.log ?? createLogger({ level: options.runtime.config.gateway.logLevel });
    this.agents = new AgentRuntime(options.runtime);
    this.router = new Router({ config: options.runtime.config, runtime: this.agents, registry: defaultCommands(), log: this.log.child("router"), onTurn: options.onTurn });
  }

  /**
   * Starts every channel at once. Resolves when each has connected or failed its first attempt
   * (never rejects for a channel that cannot connect: it is reported down and retried in the
   * background with backoff). Rejects only for a channel that is not installed.
   */
  async start(): Promise<void> {
    const { runtime } = this.options;
    const ids = this.options.channels ?? configuredChannels(runtime);
    const factories = await Promise.all(ids.map(async (id) => this.options.factories?.[id] ?? (await loadChannelPlugin(id))));
    for (const warning of openAccessWarnings(runtime.config, ids)) this.log.warn(warning);
    ids.forEach((id, i) => this.channels.push(this.supervise(id, factories[i])));
    await Promise.all(this.channels.map((channel) => channel.start()));
    this.startAlerts();
  }

  /** Credential alerts to the owners in `gateway.alerts.to` (src/chat/alerts.ts). */
  private startAlerts(): void {
    const { config } = this.options.runtime;
    const targets = parseAlertTargets(config.gateway.alerts?.to ?? []);
    if (!targets.length) return;
    const running = new Set(this.channels.map((channel) => channel.status.channel));
    for (const target of targets) {
      if (!running.has(target.channel)) this.log.warn("gateway.alerts.to names a channel that is not running; its owner gets no alerts", { channel: target.channel });
    }
    this.alerts = new AlertWatcher({
      agents: this.agents,
      agentIds: listAgentIds(config),
      targets: targets.filter((target) => running.has(target.channel)),
      log: this.log.child("alerts"),
      send: (target, text) => this.sendDirect(target, text),
    });
    this.alerts.start();
  }

  /** A direct message to a user on one of the running channels (formatted and split for it). */
  private async sendDirect(target: AlertTarget, text: string): Promise<void> {
    const supervisor = this.channels.find((channel) => channel.status.channel === target.channel);
    if (!supervisor) throw new Error(`channel ${target.channel} is not running`);
    const { channel } = supervisor;
    await sendReply({ limits: channel.limits, send: (message) => channel.send({ chatId: target.userId, directMessage: true }, message) }, text);
  }

  /** Calls `listener` for every message in and out (metrics); returns the function that stops. Never slows or breaks delivery. */
  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  private countMessage(channel: string, direction: "in" | "out"): void {
    for (const listener of this.messageListeners) {
      try {
        listener(channel, direction);
      } catch (err) {
        this.log.warn("message listener failed", { error: describeThrown(err) });
      }
    }
  }

  /** Each channel's state (up, starting, retrying), for the start line, logs and /readyz. */
  channelStatus(): ChannelStatus[] {
    return this.channels.map((channel) => channel.status);
  }

  private supervise(id: string, factory: ChannelPluginFactory): ChannelSupervisor {
    const { runtime } = this.options;
    const stateDir = runtime.paths.pluginStateDir(id);
    ensurePrivateDir(stateDir);
    const spec = runtime.channels.get(id);
    const section = runtime.config.channels?.[id] ?? spec?.defaults() ?? {};
    const nativeCommands = runtime.config.commands?.native !== false && (spec?.nativeCommands(section) ?? true);
    const log = maskingLogger(this.log.child(id));
    const state = this.agents.state.channelState(id);
    const lease = this.agents.state.connectionLease?.(id, spec ? spec.connectionIdentity(section, runtime.env) : id);
    const supervisor: ChannelSupervisor = new ChannelSupervisor({
      id,
      accountId: "default",
      factory,
      lease,
      log: this.log,
      onChange: (status) => {
        // a local channel shares the terminal with the chat: keep its start quiet
        if (status.state === "up") (spec?.access.local ? this.log.debug : this.log.info)("channel started", { channel: id });
      },
      context: (attempt) => ({
        config: section,
        nativeCommands,
        env: runtime.env,
        stateDir,
        state,
        signal: AbortSignal.any([this.abort.signal, attempt.signal]),
        log,
        dispatch: async (message, sink) => {
          this.countMessage(id, "in");
          let result: RouteResult;
          try {
            result = await this.router.handle(outbound, message, sink && countingSink(sink, () => this.countMessage(id, "out")));
          } catch (err) {
            // the router answers every message itself; this is the boundary for what it did not foresee
            log.error("message handling failed", { chatId: message?.chatId, error: describeThrown(err) });
            return { settled: Promise.resolve("done" as const) };
          }
          if (result.kind === "queued") return { settled: result.done.catch(() => "done" as const) };
          return { settled: Promise.resolve(result.kind === "abandoned" ? ("abandoned" as const) : ("done" as const)) };
        },
        commands: () => this.router.registrySpecs(),
        complete: (request) => this.router.complete(request),
        fail: attempt.fail,
      }),
    });
    const outbound = countingChannel(supervisor.channel, () => this.countMessage(id, "out"));
    return supervisor;
  }

  /**
   * Aborts runs in flight (they settle `abandoned`, so a channel that journals messages offers
   * them again after a restart), gives them a moment to end, then stops every channel.
   */
  async stop(): Promise<void> {
    await this.alerts?.stop();
    await this.router.shutdown(2000);
    this.abort.abort();
    await Promise.all(this.channels.map((channel) => channel.stop()));
    // recorded usage still in memory is written before the backend goes
    await this.agents.close().catch((err) => this.log.warn("usage not fully written", { error: describeThrown(err) }));
    // leases released above; a shared backend's connections last (they served the stop)
    await this.agents.state.close().catch((err) => this.log.warn("state backend did not close cleanly", { error: describeThrown(err) }));
  }
}

/** The channel with each message or file it sends reported to `sent` (edits and typing are not messages). */
function countingChannel(channel: ChannelPlugin, sent: () => void): ChannelPlugin {
  const counted: ChannelPlugin = Object.create(channel) as ChannelPlugin;
  counted.send = async (target, message) => {
    const result = await channel.send(target, message);
    sent();
    return result;
  };
  if (channel.sendFile) {
    const sendFile = channel.sendFile.bind(channel);
    counted.sendFile = async (target, file) => {
      const result = await sendFile(target, file);
      sent();
      return result;
    };
  }
  return counted;
}

function countingSink(sink: ReplySink, sent: () => void): ReplySink {
  const counted: ReplySink = Object.create(sink) as ReplySink;
  counted.send = async (message) => {
    const result = await sink.send(message);
    sent();
    return result;
  };
  if (sink.sendFile) {
    const sendFile = sink.sendFile.bind(sink);
    counted.sendFile = async (file) => {
      const result = await sendFile(file);
      sent();
      return result;
    };
  }
  return counted;
}
