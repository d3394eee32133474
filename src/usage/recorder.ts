import type { AgentEvent } from "../agents/events.js";
import type { Usage } from "../providers/types.js";
import { addAmounts, usageRowId, type UsageAmounts, type UsageQueryResult, type UsageRepository, type UsageRow } from "../state/usage.js";
import type { ExtraBlock } from "../auth/order.js";
import { profileBudgetBlock, type BudgetConfig, type SpendLedger } from "./budgets.js";
import { dayBefore, periodIdOfDay, periodOf, utcDay, type BudgetPeriod } from "./periods.js";
import { costUsd, type PricingConfig } from "./pricing.js";

/** How long turns wait in memory before they are written (a crash loses at most this much). */
export const USAGE_FLUSH_MS = 1_000;
/** How often the spend of other processes (another gateway, `baton agent`) is re-read for budgets. */
export const SPEND_REFRESH_MS = 30_000;
/** Days of usage kept; older days are deleted when recording starts. */
export const USAGE_RETENTION_DAYS = 400;

export interface RecordedTurn {
  agentId: string;
  sessionKey: string;
  sender?: string;
  /** provider/model that answered. */
  model: string;
  profileId: string;
  usage: Usage;
  at: number;
}

export interface UsageRecorderOptions {
  repository: UsageRepository;
  config: PricingConfig;
  now?: () => number;
  flushMs?: number;
  refreshMs?: number;
  retentionDays?: number;
  /** Delete days past the retention when starting (default true; off for read-only commands). */
  prune?: boolean;
  /** A write, read or prune failed (it is retried; nothing is thrown at the turn path). */
  onError?: (err: unknown, during: "flush" | "refresh" | "prune") => void;
}

/**
 * Records every answered turn's tokens and estimated cost into the usage store, and keeps the
 * running spend per profile and sender that budgets check. Turns are taken from
 * `AgentRuntime.events` synchronously (a few map updates) and written in batches: one flush at
 * most every `flushMs`, and on {@link close}. A failed write keeps its rows for the next flush.
 *
 * Spend = what the store held at the last read (this month) + what this process has added
 * since (written or not). The store is re-read, after the writes before it, at most every
 * `refreshMs` when spend is asked for, so other processes' turns count within that time.
 */
export class UsageRecorder implements SpendLedger {
  private pending = new Map<string, UsageRow>();
  /** Budget key -> USD as of the last store read plus this process's writes since. */
  private stored = new Map<string, number>();
  /** Budget key -> USD of turns not yet written. */
  private unflushed = new Map<string, number>();
  /** Reads and writes of the store, one after another. */
  private io: Promise<void> = Promise.resolve();
  private started?: Promise<void>;
  private timer?: ReturnType<typeof setTimeout>;
  private lastRefresh = 0;
  private refreshing = false;
  private closed = false;
  private lastReported?: string;
  /** The day the spend maps were last trimmed to. */
  private periodsOf?: string;
  private readonly now: () => number;

  constructor(private readonly options: UsageRecorderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The `AgentRuntime.events` listener: answered turns with usage are recorded. */
  readonly listener = (event: AgentEvent): void => {
    if (event.type !== "turn" || event.outcome !== "ok" || !event.usage || !event.profileId) return;
    this.record({ agentId: event.agentId, sessionKey: event.sessionKey, sender: event.sender, model: event.model, profileId: event.profileId, usage: event.usage, at: this.now() });
  };

  /** Prunes old days and reads this month's spend, once; later calls return the same promise. */
  ready(): Promise<void> {
    this.started ??= this.enqueue(async () => {
      const now = this.now();
      try {
        if (this.options.prune !== false) await this.options.repository.prune(dayBefore(now, this.options.retentionDays ?? USAGE_RETENTION_DAYS));
      } catch (err) {
        this.report(err, "prune");
      }
      await this.readSpend();
    });
    return this.started;
  }

  record(turn: RecordedTurn): void {
    void this.ready();
    const day = utcDay(turn.at);
    const cost = costUsd(this.options.config, turn.model, turn.usage);
    const amounts: UsageAmounts = {
      inputTokens: count(turn.usage.inputTokens),
      outputTokens: count(turn.usage.outputTokens),
      cacheReadTokens: count(turn.usage.cacheReadTokens),
      cacheWriteTokens: count(turn.usage.cacheWriteTokens),
      turns: 1,
      costUsd: cost ?? 0,
      unpricedTurns: cost === undefined ? 1 : 0,
    };
    const row: UsageRow = { day, agentId: turn.agentId, sessionKey: turn.sessionKey, sender: turn.sender ?? "", model: turn.model, profileId: turn.profileId, ...amounts };
    this.addPending(row);
    if (cost) for (const key of spendKeys(row)) bump(this.unflushed, key, cost);
    this.schedule();
  }

  spent(kind: "profile" | "sender", id: string, per: BudgetPeriod, now: number): number {
    if (now - this.lastRefresh >= (this.options.refreshMs ?? SPEND_REFRESH_MS)) this.refreshInBackground();
    const key = spendKey(kind, id, periodOf(per, now).id);
    return (this.stored.get(key) ?? 0) + (this.unflushed.get(key) ?? 0);
  }

  /** Writes what is pending now; resolves when it is written (or has failed and been kept). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.enqueue(() => this.write());
  }

  /** Rows of the days in range, everything recorded so far included (pending turns are written first). */
  async query(range: { from?: string; to?: string } = {}): Promise<UsageQueryResult> {
    await this.flush();
    const result = await this.options.repository.query(range);
    // rows a failed write kept in memory still count
    const rows = new Map(result.rows.map((row) => [usageRowId(row), { ...row }]));
    for (const row of this.pending.values()) {
      if ((range.from && row.day < range.from) || (range.to && row.day > range.to)) continue;
      const existing = rows.get(usageRowId(row));
      if (existing) addAmounts(existing, row);
      else rows.set(usageRowId(row), { ...row });
    }
    return { rows: [...rows.values()], unreadable: result.unreadable };
  }

  /** Writes everything pending; no timer is left behind. Later turns are still recorded (and flushed on the next close). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.closed = false;
  }

  private addPending(row: UsageRow): void {
    const id = usageRowId(row);
    const existing = this.pending.get(id);
    if (existing) addAmounts(existing, row);
    else this.pending.set(id, { ...row });
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue(() => this.write());
    }, this.options.flushMs ?? USAGE_FLUSH_MS);
    this.timer.unref?.();
  }

  private async write(): Promise<void> {
    if (!this.pending.size) return;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    const byDay = new Map<string, UsageRow[]>();
    for (const row of rows) byDay.set(row.day, [...(byDay.get(row.day) ?? []), row]);
    for (const dayRows of byDay.values()) {
      try {
        await this.options.repository.add(dayRows);
      } catch (err) {
        for (const row of dayRows) this.addPending(row);
        this.report(err, "flush");
        continue;
      }
      for (const row of dayRows) {
        if (!row.costUsd) continue;
        for (const key of spendKeys(row)) {
          bump(this.unflushed, key, -row.costUsd);
          bump(this.stored, key, row.costUsd);
        }
      }
    }
    this.forgetPastPeriods();
    // kept rows are tried again a moment later
    if (this.pending.size) this.schedule();
    else this.lastReported = undefined;
  }

  /** Spend of days and months that are over is of no budget's concern: dropped once a day, so a long run holds only the current periods. */
  private forgetPastPeriods(): void {
    const now = this.now();
    const today = utcDay(now);
    if (today === this.periodsOf) return;
    this.periodsOf = today;
    const current = new Set([today, periodOf("month", now).id]);
    for (const map of [this.stored, this.unflushed]) {
      for (const key of map.keys()) if (!current.has(key.slice(key.lastIndexOf("\u0000") + 1))) map.delete(key);
    }
  }

  private refreshInBackground(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.lastRefresh = this.now();
    void this.enqueue(() => this.readSpend()).finally(() => (this.refreshing = false));
  }

  /** Reads this month's spend per profile and sender from the store (runs between writes). */
  private async readSpend(): Promise<void> {
    const now = this.now();
    this.lastRefresh = now;
    let result: UsageQueryResult;
    try {
      result = await this.options.repository.query({ from: utcDay(periodOf("month", now).start) });
    } catch (err) {
      this.report(err, "refresh");
      return;
    }
    if (result.unreadable.length) this.report(new Error(`unreadable usage days: ${result.unreadable.map((u) => `${u.location} (${u.reason})`).join("; ")}`), "refresh");
    const stored = new Map<string, number>();
    for (const row of result.rows) if (row.costUsd) for (const key of spendKeys(row)) bump(stored, key, row.costUsd);
    this.stored = stored;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.io.then(task, task);
    this.io = run.catch(() => undefined);
    return run;
  }

  /** The same failure again (a corrupt day retried every flush) is reported once, until something succeeds. */
  private report(err: unknown, during: "flush" | "refresh" | "prune"): void {
    const text = `${during}: ${err instanceof Error ? err.message : String(err)}`;
    if (text === this.lastReported) return;
    this.lastReported = text;
    try {
      this.options.onError?.(err, during);
    } catch {
      // a reporter that throws must not stop recording
    }
  }
}

function spendKey(kind: "profile" | "sender", id: string, periodId: string): string {
  return `${kind}\u0000${id}\u0000${periodId}`;
}

/** The budget keys a row's cost counts against: its profile and sender, for its day and its month. */
function spendKeys(row: UsageRow): string[] {
  const keys: string[] = [];
  for (const per of ["day", "month"] as const) {
    const period = periodIdOfDay(per, row.day);
    keys.push(spendKey("profile", row.profileId, period));
    if (row.sender) keys.push(spendKey("sender", row.sender, period));
  }
  return keys;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const value = (map.get(key) ?? 0) + by;
  if (Math.abs(value) < 1e-12) map.delete(key);
  else map.set(key, value);
}

function count(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? Math.round(tokens) : 0;
}


/**
 * The profile-budget block over the spend stored now, for commands that read but do not record
 * (`baton models status`): a profile over its budget shows as unusable with reason "budget".
 */
export async function storedBudgetBlock(config: PricingConfig & BudgetConfig, repository: UsageRepository, now: () => number = Date.now): Promise<ExtraBlock> {
  const ledger = new UsageRecorder({ repository, config, now, prune: false });
  await ledger.ready();
  return profileBudgetBlock(config, ledger, now);
}
