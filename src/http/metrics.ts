import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AgentEvent, AgentEventBus } from "../agents/events.js";
import type { ChannelStatus } from "../chat/channel-supervisor.js";
import { costUsd, type PricingConfig } from "../usage/pricing.js";
import type { ProfileGauge } from "./profile-gauges.js";

/**
 * The gateway's Prometheus metrics (DESIGN.md §10: names and labels are a contract), in a
 * registry of their own (never prom-client's global one, so several gateways or tests can live
 * in one process). Counters and the histogram follow the agent events; the channel and profile
 * gauges are computed when scraped.
 */

export type MessageDirection = "in" | "out";

export interface MetricsSources {
  channels(): ChannelStatus[];
  /** Every agent's profiles, read when scraped (cached store reads: cheap). */
  profiles(): Promise<ProfileGauge[]>;
}

export interface GatewayMetricsOptions {
  /** For cost estimates (`models.pricing`). */
  pricing?: PricingConfig;
  /** prom-client's process metrics (default true). */
  processMetrics?: boolean;
}

/** Turns take seconds to minutes (a model streaming a long answer). */
const TURN_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

const TOKEN_TYPES = [
  ["input", "inputTokens"],
  ["output", "outputTokens"],
  ["cache_read", "cacheReadTokens"],
  ["cache_write", "cacheWriteTokens"],
] as const;

export class GatewayMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources = { channels: () => [], profiles: async () => [] };
  private pendingProfiles?: Promise<ProfileGauge[]>;

  private readonly turns: Counter<"agent" | "model" | "outcome">;
  private readonly turnDuration: Histogram;
  private readonly providerRequests: Counter<"provider" | "profile" | "model" | "result">;
  private readonly failovers: Counter<"agent" | "from_profile" | "to_profile">;
  private readonly tokens: Counter<"agent" | "model" | "profile" | "type">;
  private readonly cost: Counter<"agent" | "model" | "profile">;
  private readonly messages: Counter<"channel" | "direction">;

  constructor(private readonly options: GatewayMetricsOptions = {}) {
    const registers = [this.registry];
    this.turns = new Counter({ name: "baton_turns_total", help: "Agent turns by outcome (ok, error, aborted)", labelNames: ["agent", "model", "outcome"], registers });
    this.turnDuration = new Histogram({ name: "baton_turn_duration_seconds", help: "Duration of agent turns, failovers included", buckets: TURN_BUCKETS, registers });
    this.providerRequests = new Counter({
      name: "baton_provider_requests_total",
      help: "Provider calls by result: ok or the failure class (auth, rate_limit, overloaded, billing, timeout, ...)",
      labelNames: ["provider", "profile", "model", "result"],
      registers,
    });
    this.failovers = new Counter({ name: "baton_failovers_total", help: "Turns that moved from one profile to another", labelNames: ["agent", "from_profile", "to_profile"], registers });
    this.tokens = new Counter({ name: "baton_tokens_total", help: "Tokens used by answered turns (input, output, cache_read, cache_write)", labelNames: ["agent", "model", "profile", "type"], registers });
    this.cost = new Counter({ name: "baton_cost_usd_total", help: "Estimated cost of answered turns in USD (models with a known price)", labelNames: ["agent", "model", "profile"], registers });
    this.messages = new Counter({ name: "baton_messages_total", help: "Chat messages received (in) and sent (out) per channel", labelNames: ["channel", "direction"], registers });

    const channels = () => this.sources.channels();
    const profiles = () => this.profilesOnce();
    new Gauge({
      name: "baton_channel_up",
      help: "1 while the channel is connected, else 0",
      labelNames: ["channel"],
      registers,
      collect() {
        this.reset();
        for (const status of channels()) this.set({ channel: status.channel }, status.state === "up" ? 1 : 0);
      },
    });
    const profileGauge = (name: string, help: string, value: (p: ProfileGauge) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ["agent", "profile"],
        registers,
        async collect() {
          const gauges = await profiles();
          this.reset();
          for (const p of gauges) {
            const v = value(p);
            if (v !== undefined) this.set({ agent: p.agent, profile: p.profile }, v);
          }
        },
      });
    profileGauge("baton_auth_profile_usable", "1 when the profile can be used now for the agent's model, else 0", (p) => (p.usable ? 1 : 0));
    profileGauge("baton_auth_profile_cooldown_seconds", "Seconds until the profile is usable again (0 when usable)", (p) => p.cooldownSeconds);
    profileGauge("baton_auth_profile_expires_in_seconds", "Seconds until a token or OAuth credential expires (negative once expired)", (p) => p.expiresInSeconds);

    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the scrape-time gauges read from. */
  setSources(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Counts the agent events of `bus`; returns the function that stops. */
  observe(bus: AgentEventBus): () => void {
    return bus.on((event) => this.record(event));
  }

  record(event: AgentEvent): void {
    switch (event.type) {
      case "provider_request":
        this.providerRequests.inc({ provider: event.provider, profile: event.profileId, model: event.model, result: event.result });
        return;
      case "failover":
        this.failovers.inc({ agent: event.agentId, from_profile: event.fromProfile, to_profile: event.toProfile });
        return;
      case "turn": {
        this.turns.inc({ agent: event.agentId, model: event.model, outcome: event.outcome });
        this.turnDuration.observe(Math.max(0, event.durationMs) / 1000);
        if (!event.usage) return;
        const profile = event.profileId ?? "";
        for (const [type, field] of TOKEN_TYPES) {
          const n = event.usage[field];
          if (Number.isFinite(n) && n > 0) this.tokens.inc({ agent: event.agentId, model: event.model, profile, type }, n);
        }
        const usd = costUsd(this.options.pricing, event.model, event.usage);
        if (usd !== undefined && usd > 0) this.cost.inc({ agent: event.agentId, model: event.model, profile }, usd);
        return;
      }
    }
  }

  /** One chat message received from (`in`) or sent to (`out`) a channel. */
  countMessage(channel: string, direction: MessageDirection): void {
    this.messages.inc({ channel, direction });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** The three profile gauges of one scrape share one read of the stores. */
  private profilesOnce(): Promise<ProfileGauge[]> {
    if (!this.pendingProfiles) {
      const pending = this.sources.profiles();
      this.pendingProfiles = pending;
      const clear = () => {
        if (this.pendingProfiles === pending) this.pendingProfiles = undefined;
      };
      pending.then(clear, clear);
    }
    return this.pendingProfiles;
  }
}
