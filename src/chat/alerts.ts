import type { AgentRuntime } from "../agents/runtime.js";
import { decideAlerts, type AlertMemory, type AlertState, type ProfileHealth } from "../auth/alert-policy.js";
import { readAuthStoreCached } from "../auth/store.js";
import type { Logger } from "../plugin-api.js";
import { describeThrown } from "../util/log.js";

/**
 * The gateway's credential alerts (config `gateway.alerts.to`): after a provider call failed
 * (once the turn has recorded it), when a call succeeded with a profile alerted about before,
 * and on a timer (expiry), it reads every agent's profiles and usage stats, asks the pure
 * policy (`auth/alert-policy.ts`) what changed, and DMs each owner through their channel.
 * What was alerted is kept in the state backend (`channelState("core-alerts")`, key
 * `last-alerted`), so a restart does not alert again for the same state. A check never throws
 * and never runs twice at once; an alert no owner could receive (channel down) is tried again
 * at the next check.
 */

/** Where the state backend keeps what was alerted. */
export const ALERT_STATE_SCOPE = "core-alerts";
const MEMORY_KEY = "last-alerted";
/** How often expiry is looked at without any provider failure. */
export const ALERT_CHECK_INTERVAL_MS = 10 * 60_000;
/** After a failed provider call, the check waits for the end of its turn, at most this long. */
export const ALERT_SETTLE_MS = 2_000;

/** An owner to DM: `<channel>:<userId>`. */
export interface AlertTarget {
  channel: string;
  userId: string;
}

/** `["telegram:123", "discord:456"]` -> targets; entries without a `:` are dropped (config validation refuses them). */
export function parseAlertTargets(to: readonly string[]): AlertTarget[] {
  return to.flatMap((entry) => {
    const at = entry.indexOf(":");
    return at > 0 && at < entry.length - 1 ? [{ channel: entry.slice(0, at), userId: entry.slice(at + 1) }] : [];
  });
}

export interface AlertWatcherOptions {
  agents: AgentRuntime;
  agentIds: readonly string[];
  targets: readonly AlertTarget[];
  /** Sends `text` (Markdown) to one owner; rejects when it could not. */
  send(target: AlertTarget, text: string): Promise<void>;
  log: Logger;
  now?: () => number;
  intervalMs?: number;
  settleMs?: number;
}

export class AlertWatcher {
  private readonly now: () => number;
  private memory: Record<string, AlertState> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private dirty = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: AlertWatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Listens to provider calls, starts the expiry timer and runs a first check (profiles already in trouble at start). */
  start(): void {
    if (!this.options.targets.length || this.unsubscribe) return;
    this.unsubscribe = this.options.agents.events.on((event) => {
      if (event.type === "provider_request") {
        const known = this.memory?.[`${event.agentId}/${event.profileId}`];
        if (event.result !== "ok" || (known !== undefined && known !== "ok")) this.markDirty();
      } else if (event.type === "turn" && this.dirty) {
        // the turn has recorded its failures by now
        void this.check();
      }
    });
    this.interval = setInterval(() => void this.check(), this.options.intervalMs ?? ALERT_CHECK_INTERVAL_MS);
    this.interval.unref();
    void this.check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.interval);
    clearTimeout(this.settleTimer);
    await this.running;
  }

  private markDirty(): void {
    this.dirty = true;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.check(), this.options.settleMs ?? ALERT_SETTLE_MS);
    this.settleTimer.unref();
  }

  /** One check now (or right after the one running). Never rejects. */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.dirty = false;
        clearTimeout(this.settleTimer);
        try {
          await this.checkOnce();
        } catch (err) {
          this.options.log.warn("credential alert check failed", { error: describeThrown(err) });
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    const { agents } = this.options;
    const store = agents.state.channelState(ALERT_STATE_SCOPE);
    const memory: AlertMemory = this.memory ?? (await readMemory(store.get(MEMORY_KEY), this.options.log));
    const now = this.now();
    const decision = decideAlerts(memory, await this.profiles(), now);
    const next = decision.memory;
    for (const alert of decision.alerts) {
      const delivered = await this.deliver(alert.text);
      // nobody could be told: keep the previous state, so the next check tries again
      if (!delivered) next[alert.key] = memory[alert.key] ?? "ok";
      else this.options.log.info("credential alert sent", { profile: alert.key, state: alert.state });
    }
    this.memory = next;
    if (!sameMemory(memory, next)) await store.set(MEMORY_KEY, { version: 1, states: next });
    this.options.log.debug("credential alerts checked", { alerts: decision.alerts.length });
  }

  private async profiles(): Promise<ProfileHealth[]> {
    const { agents, agentIds } = this.options;
    const all: ProfileHealth[] = [];
    for (const agentId of agentIds) {
      const [stored, usage] = await Promise.all([readAuthStoreCached(agents.runtime.paths.authStorePath(agentId)), agents.state.authUsage(agentId).snapshot()]);
      for (const [profileId, profile] of Object.entries(stored.profiles)) all.push({ agentId, profileId, profile, stats: usage[profileId] });
    }
    return all;
  }

  /** Sends to every owner; true when at least one got it. */
  private async deliver(text: string): Promise<boolean> {
    let delivered = false;
    for (const target of this.options.targets) {
      try {
        await this.options.send(target, text);
        delivered = true;
      } catch (err) {
        this.options.log.warn("credential alert could not be sent", { channel: target.channel, error: describeThrown(err) });
      }
    }
    return delivered;
  }
}

async function readMemory(stored: Promise<unknown>, log: Logger): Promise<AlertMemory> {
  try {
    const value = (await stored) as { version?: unknown; states?: unknown } | undefined;
    if (value && value.version === 1 && value.states && typeof value.states === "object") return value.states as AlertMemory;
  } catch (err) {
    // unreadable: alert again rather than never
    log.warn("credential alert memory unreadable; starting afresh", { error: describeThrown(err) });
  }
  return {};
}

function sameMemory(a: AlertMemory, b: AlertMemory): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
