import type { ChannelContext, ChannelLimits, ChannelPlugin, ChannelPluginFactory, Logger, OutboundFile, OutboundMessage, OutboundTarget, SentMessage } from "../plugin-api.js";
import { describeThrown } from "../util/log.js";
import { TimeoutError, withTimeout } from "../util/timeout.js";
import type { ConnectionLease } from "../state/leases.js";
import { PluginScope } from "./plugin-scope.js";

/** `standby`: another gateway holds this channel's connection (shared state backend); this one takes over if it goes. */
export type ChannelState = "starting" | "up" | "retrying" | "standby" | "stopped";

export interface ChannelStatus {
  channel: string;
  state: ChannelState;
  /** When the channel entered this state (ms since epoch). */
  since: number;
  /** Failed attempts in a row (0 once connected). */
  failures: number;
  /** Why the last attempt failed or the connection was lost (masked by the plugin). */
  lastError?: string;
  /** When the next attempt starts, while retrying. */
  retryAt?: number;
}

export interface RetryPolicy {
  firstMs: number;
  maxMs: number;
}

/** DESIGN.md §7: every channel retries the same way, 1 s doubling to 60 s. */
export const CHANNEL_RETRY: RetryPolicy = { firstMs: 1000, maxMs: 60_000 };

/** The pause before attempt `failures + 1`. @example retryDelay(3, CHANNEL_RETRY) // 4000 */
export function retryDelay(failures: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
}

export interface SupervisorOptions {
  id: string;
  accountId: string;
  factory: ChannelPluginFactory;
  /**
   * The context for one attempt: `signal` ends with the attempt, `fail` reports a lost connection.
   * The supervisor adds `effect`: what the attempt registers is disposed when it ends.
   */
  context(attempt: { signal: AbortSignal; fail(error: unknown): void }): Omit<ChannelContext, "effect">;
  log: Logger;
  retry?: RetryPolicy;
  /** How long one `plugin.stop()` may take before it is given up on. Default 5 s. */
  stopTimeoutMs?: number;
  onChange?(status: ChannelStatus): void;
  /** With several gateways on one state backend: connect only while holding this lease. */
  lease?: ConnectionLease;
}

/**
 * Runs one channel: starts it, retries a failed start with backoff, and replaces the plugin
 * instance when it reports a lost connection (`ctx.fail`), while the other channels go on. The
 * router talks to {@link ChannelSupervisor.channel}, which always reaches the current instance.
 */
export class ChannelSupervisor {
  private plugin: ChannelPlugin;
  private attempt?: AbortController;
  /** What the current attempt registered through `ctx.effect`. */
  private scope?: PluginScope;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Whether this process holds the channel's lease (always, without one). */
  private holding = false;
  /** The instance being stopped after the lease was lost. */
  private standingDown?: Promise<void>;
  private current: ChannelStatus;
  /** A stable face of the channel for the router: limits and sends go to whichever instance runs now. */
  readonly channel: ChannelPlugin;

  constructor(private readonly options: SupervisorOptions) {
    this.plugin = options.factory({ accountId: options.accountId });
    this.current = { channel: options.id, state: "starting", since: Date.now(), failures: 0 };
    this.channel = facade(options.id, this.plugin, () => this.plugin, () => this.current.state === "up");
  }

  get status(): ChannelStatus {
    return { ...this.current };
  }

  /**
   * The first attempt; resolves (never rejects) once it connected or failed. Failed attempts
   * retry in the background. With a lease: resolves once the lease was won and the first attempt
   * ended, or another gateway was found holding it (standby).
   */
  start(): Promise<void> {
    const { lease } = this.options;
    if (!lease) return this.run();
    return new Promise<void>((resolve) => {
      lease.start({
        acquired: () => {
          this.holding = true;
          this.options.log.info("channel lease acquired; connecting", { channel: this.options.id });
          // a lease won back while the last instance is still stopping waits for that stop (and its fresh instance)
          void (this.standingDown ?? Promise.resolve()).then(() => this.run()).finally(resolve);
        },
        lost: (reason) => {
          this.holding = false;
          this.options.log.warn("channel lease lost; disconnecting and standing by", { channel: this.options.id, reason });
          const standingDown = this.standDown().finally(() => {
            if (this.standingDown === standingDown) this.standingDown = undefined;
          });
          this.standingDown = standingDown;
        },
        standby: () => {
          if (this.current.state !== "standby") this.setState({ state: "standby", retryAt: undefined });
          resolve();
        },
        error: (err) => this.options.log.warn("channel lease: state backend unreachable", { channel: this.options.id, error: describeThrown(err) }),
      });
    });
  }

  /** Stops the running instance (or the attempt under way) and any retry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.attempt?.abort();
    await this.stopInstance(this.plugin, this.scope);
    await this.options.lease?.stop();
    this.setState({ state: "stopped", retryAt: undefined });
  }

  /** The lease went to another gateway: end this instance now and prepare a fresh one for a later takeover. */
  private async standDown(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.attempt?.abort();
    this.setState({ state: "standby", retryAt: undefined, failures: 0 });
    const plugin = this.plugin;
    await this.stopInstance(plugin, this.scope);
    if (this.stopped || this.plugin !== plugin) return;
    try {
      this.plugin = this.options.factory({ accountId: this.options.accountId });
    } catch (err) {
      this.options.log.error("channel instance could not be created", { channel: this.options.id, error: describeThrown(err) });
    }
  }

  private async run(): Promise<void> {
    if (this.stopped || (this.options.lease && !this.holding)) return;
    const attempt = new AbortController();
    this.attempt = attempt;
    const scope = new PluginScope(this.options.log, this.options.id);
    this.scope = scope;
    const plugin = this.plugin;
    let lost: unknown;
    const fail = (error: unknown) => {
      if (lost !== undefined || attempt.signal.aborted || this.stopped) return;
      lost = error ?? new Error("channel failed");
      this.options.log.error("channel lost its connection; restarting it", { channel: this.options.id, error: describeThrown(error) });
      void this.retryAfter(plugin, attempt, scope, lost);
    };
    this.setState({ state: "starting", retryAt: undefined });
    try {
      const context = this.options.context({ signal: attempt.signal, fail });
      await plugin.start({ ...context, effect: (setup) => scope.effect(setup) });
    } catch (err) {
      if (this.stopped) return;
      this.options.log.warn("channel could not start; retrying in the background", { channel: this.options.id, error: describeThrown(err) });
      await this.retryAfter(plugin, attempt, scope, err);
      return;
    }
    if (this.stopped || lost !== undefined || attempt.signal.aborted) return;
    this.setState({ state: "up", failures: 0, lastError: undefined });
  }

  private async retryAfter(plugin: ChannelPlugin, attempt: AbortController, scope: PluginScope | undefined, error: unknown): Promise<void> {
    attempt.abort();
    const failures = this.current.failures + 1;
    const delay = retryDelay(failures, this.options.retry ?? CHANNEL_RETRY);
    // down from now on (readiness, status), while the old instance stops
    if (this.options.lease && !this.holding) return;
    this.setState({ state: "retrying", failures, lastError: describeThrown(error), retryAt: Date.now() + delay });
    await this.stopInstance(plugin, scope);
    if (this.stopped || (this.options.lease && !this.holding)) return;
    this.retryTimer = setTimeout(() => {
      if (this.stopped || (this.options.lease && !this.holding)) return;
      try {
        this.plugin = this.options.factory({ accountId: this.options.accountId });
      } catch (err) {
        void this.retryAfter(this.plugin, attempt, undefined, err);
        return;
      }
      void this.run();
    }, delay);
  }

  /** `plugin.stop()` (bounded), then the attempt's effects, newest first (bounded together). Never rejects. */
  private async stopInstance(plugin: ChannelPlugin, scope: PluginScope | undefined): Promise<void> {
    try {
      await withTimeout(
        Promise.resolve().then(() => plugin.stop()),
        this.options.stopTimeoutMs ?? 5000,
      );
    } catch (err) {
      if (err instanceof TimeoutError) this.options.log.warn("channel did not stop in time; going on without it", { channel: this.options.id });
      else this.options.log.warn("channel stop failed", { channel: this.options.id, error: describeThrown(err) });
    }
    await scope?.dispose();
  }

  private setState(change: Partial<ChannelStatus>): void {
    const state = change.state ?? this.current.state;
    this.current = { ...this.current, ...change, since: state !== this.current.state ? Date.now() : this.current.since };
    try {
      this.options.onChange?.(this.status);
    } catch (err) {
      this.options.log.warn("channel state listener failed", { error: describeThrown(err) });
    }
  }
}

/**
 * A send that failed because the channel is down (starting or being restarted), not because
 * the platform refused it: the message is worth offering again once the channel is back.
 */
export class ChannelUnavailableError extends Error {
  override name = "ChannelUnavailableError";
  constructor(
    readonly channel: string,
    cause?: unknown,
  ) {
    super(`channel ${channel} is not connected right now`, { cause });
  }
}

/**
 * Delegates to the current instance; the optional methods exist when the plugin has them. A call
 * that fails while the channel is not up fails with {@link ChannelUnavailableError}.
 */
function facade(id: string, first: ChannelPlugin, current: () => ChannelPlugin, isUp: () => boolean): ChannelPlugin {
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw isUp() ? err : new ChannelUnavailableError(id, err);
    }
  };
  const limits: ChannelLimits = first.limits;
  const face: ChannelPlugin = {
    id,
    limits,
    start: () => Promise.reject(new Error("the gateway starts channels")),
    stop: () => Promise.resolve(),
    send: (target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> => guarded(() => current().send(target, message)),
  };
  if (first.edit) face.edit = (target: OutboundTarget, messageId: string, message: OutboundMessage) => guarded(() => current().edit!(target, messageId, message));
  if (first.typing) face.typing = (target: OutboundTarget) => guarded(() => current().typing!(target));
  if (first.sendFile) face.sendFile = (target: OutboundTarget, file: OutboundFile) => guarded(() => current().sendFile!(target, file));
  return face;
}
