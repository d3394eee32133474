import type { AgentEvent, AgentEventBus } from "../agents/events.js";
import type { Usage } from "../providers/types.js";
import { costUsd, type PricingConfig } from "../usage/pricing.js";

/**
 * What the status page shows of this process's recent activity, kept in memory from the agent
 * events: the last failovers, the sessions that ran turns most recently, and usage since start.
 * Bounded whatever the traffic.
 */

export interface FailoverRecord {
  at: number;
  agent: string;
  fromProfile: string;
  toProfile: string;
  model: string;
}

export interface SessionActivity {
  agent: string;
  sessionKey: string;
  sender?: string;
  model: string;
  outcome: "ok" | "error" | "aborted";
  at: number;
  turns: number;
}

export interface UsageTotals extends Usage {
  agent: string;
  model: string;
  turns: number;
  /** Undefined while any turn of the row had a model without a known price. */
  costUsd?: number;
}

export interface ActivityLimits {
  failovers: number;
  sessions: number;
  /** (agent, model) rows; a rare model beyond this is not tallied. */
  usageRows: number;
}

export const ACTIVITY_LIMITS: ActivityLimits = { failovers: 20, sessions: 200, usageRows: 200 };

export class Activity {
  private readonly failovers: FailoverRecord[] = [];
  /** Insertion order is recency: a session's entry is moved to the end on every turn. */
  private readonly sessions = new Map<string, SessionActivity>();
  private readonly usage = new Map<string, UsageTotals & { unpriced: boolean }>();
  private turnCount = 0;
  private readonly limits: ActivityLimits;

  constructor(
    private readonly pricing: PricingConfig | undefined,
    limits: Partial<ActivityLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...ACTIVITY_LIMITS, ...limits };
  }

  observe(bus: AgentEventBus): () => void {
    return bus.on((event) => this.record(event));
  }

  record(event: AgentEvent): void {
    if (event.type === "failover") {
      this.failovers.push({ at: this.now(), agent: event.agentId, fromProfile: event.fromProfile, toProfile: event.toProfile, model: event.model });
      if (this.failovers.length > this.limits.failovers) this.failovers.shift();
      return;
    }
    if (event.type !== "turn") return;
    this.turnCount += 1;
    const id = `${event.agentId}\u0000${event.sessionKey}`;
    const previous = this.sessions.get(id);
    this.sessions.delete(id);
    this.sessions.set(id, {
      agent: event.agentId,
      sessionKey: event.sessionKey,
      ...(event.sender ? { sender: event.sender } : {}),
      model: event.model,
      outcome: event.outcome,
      at: this.now(),
      turns: (previous?.turns ?? 0) + 1,
    });
    if (this.sessions.size > this.limits.sessions) this.sessions.delete(this.sessions.keys().next().value!);
    if (event.usage) this.addUsage(event.agentId, event.model, event.usage);
  }

  private addUsage(agent: string, model: string, usage: Usage): void {
    const key = `${agent}\u0000${model}`;
    let row = this.usage.get(key);
    if (!row) {
      if (this.usage.size >= this.limits.usageRows) return;
      row = { agent, model, turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, unpriced: false };
      this.usage.set(key, row);
    }
    const n = (v: number) => (Number.isFinite(v) && v > 0 ? v : 0);
    row.turns += 1;
    row.inputTokens += n(usage.inputTokens);
    row.outputTokens += n(usage.outputTokens);
    row.cacheReadTokens += n(usage.cacheReadTokens);
    row.cacheWriteTokens += n(usage.cacheWriteTokens);
    const usd = costUsd(this.pricing, model, usage);
    if (usd === undefined) row.unpriced = true;
    else row.costUsd = (row.costUsd ?? 0) + usd;
  }

  /** Newest first. */
  recentFailovers(): FailoverRecord[] {
    return [...this.failovers].reverse();
  }

  /** The `limit` sessions with the most recent turns, newest first. */
  recentSessions(limit: number): SessionActivity[] {
    return [...this.sessions.values()].slice(-limit).reverse();
  }

  /** Sessions with a turn since start (up to the tracking bound), and turns since start. */
  counts(): { sessions: number; turns: number } {
    return { sessions: this.sessions.size, turns: this.turnCount };
  }

  usageSinceStart(): UsageTotals[] {
    return [...this.usage.values()].map(({ unpriced, costUsd, ...row }) => ({ ...row, ...(unpriced ? {} : { costUsd }) }));
  }
}
