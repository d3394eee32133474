import type { RateLimitSnapshot } from "../providers/types.js";
import type { AuthUsageRepository, UsageSnapshot } from "../state/auth-usage.js";
import { redactSecrets } from "../util/redact.js";
import { applyFailure, applySuccess, freshStats, type CooldownPolicy } from "./cooldown.js";
import type { FailureClass, ProfileUsageStats } from "./types.js";

/**
 * Records what happened with each credential (successes, failures) in the agent's usage stats,
 * by the cooldown policy. Credentials from the environment have no stored profile: their
 * stats live in this process only.
 *
 * A success that changes nothing but `lastUsed` is kept in memory and written at most every
 * {@link LAST_USED_FLUSH_MS}, so a healthy gateway does not rewrite (and lock) the store on
 * every turn; decisions in this process see it at once through {@link UsageRecorder.snapshot}.
 */

export const LAST_USED_FLUSH_MS = 30_000;
const MAX_STORED_MESSAGE = 300;

export interface ReportedFailure {
  failureClass: FailureClass;
  retryAfterMs?: number;
  /** The provider's message (redacted before it is stored). */
  message?: string;
  /** What the failed response's headers said about the credential's rate limits. */
  rateLimits?: RateLimitSnapshot;
}

export class UsageRecorder {
  private readonly envStats = new Map<string, ProfileUsageStats>();
  /** Successes not written yet: profile id -> when. */
  private readonly recentUse = new Map<string, number>();
  /**
   * Failures whose write has not landed yet, per profile. Writes queue behind each other (the
   * store lock, fsync), seconds under load; until one lands, this process's decisions apply it
   * themselves, so a profile it saw fail is not handed out again meanwhile.
   */
  private readonly pendingFailures = new Map<string, PendingFailure[]>();

  constructor(
    private readonly repository: AuthUsageRepository,
    private readonly policy: CooldownPolicy,
    private readonly now: () => number,
  ) {}

  /** The stats to decide on: as stored, with this process's unwritten uses and its environment credentials' stats. */
  async snapshot(): Promise<UsageSnapshot> {
    const stored = await this.repository.snapshot();
    if (!this.recentUse.size && !this.envStats.size && !this.pendingFailures.size) return stored;
    const merged: Record<string, ProfileUsageStats> = { ...stored };
    for (const [profileId, at] of this.recentUse) {
      const stats = merged[profileId];
      if (stats && stats.lastUsed < at) merged[profileId] = { ...stats, lastUsed: at };
    }
    for (const [profileId, pending] of this.pendingFailures) {
      let stats = merged[profileId] ?? freshStats();
      for (const { model, failure, at } of pending) {
        if (!hasLanded(stats, model, failure.failureClass, at)) stats = failureRecord(stats, model, failure, at, this.policy);
      }
      merged[profileId] = stats;
    }
    for (const [profileId, stats] of this.envStats) merged[profileId] = stats;
    return merged;
  }

  /**
   * A call with `model` that started at `startedAt` succeeded. Failures recorded after it
   * started (another call's 429 while this one was in flight) are newer news and are kept.
   */
  async recordSuccess(profileId: string, model: string, startedAt?: number): Promise<void> {
    const at = this.now();
    const since = startedAt ?? at;
    if (isEnvProfile(profileId)) {
      this.envStats.set(profileId, applySuccess(this.envStats.get(profileId), model, at, since));
      return;
    }
    const stored = (await this.repository.snapshot())[profileId];
    if (stored && !hasFailureState(stored, model) && at - stored.lastUsed < LAST_USED_FLUSH_MS) {
      this.recentUse.set(profileId, at);
      return;
    }
    this.recentUse.delete(profileId);
    await this.repository.update(profileId, (stats) => successRecord(stats, model, at, since));
  }

  async recordFailure(profileId: string, model: string, failure: ReportedFailure): Promise<void> {
    const at = this.now();
    if (isEnvProfile(profileId)) {
      const event = { failureClass: failure.failureClass, model, retryAfterMs: failure.retryAfterMs };
      this.envStats.set(profileId, applyFailure(this.envStats.get(profileId), event, at, this.policy));
      return;
    }
    const pending: PendingFailure = { model, failure, at };
    const queued = this.pendingFailures.get(profileId) ?? [];
    this.pendingFailures.set(profileId, [...queued, pending]);
    try {
      await this.repository.update(profileId, (stats) => failureRecord(stats, model, failure, at, this.policy));
    } finally {
      const left = (this.pendingFailures.get(profileId) ?? []).filter((p) => p !== pending);
      if (left.length) this.pendingFailures.set(profileId, left);
      else this.pendingFailures.delete(profileId);
    }
  }
}

interface PendingFailure {
  model: string;
  failure: ReportedFailure;
  at: number;
}

/** Whether stored stats already hold a failure recorded at `at` (or a later one of the same scope). */
function hasLanded(stats: ProfileUsageStats, model: string, failureClass: FailureClass, at: number): boolean {
  const scoped = failureClass === "rate_limit" || failureClass === "overloaded" || failureClass === "timeout";
  const last = scoped ? stats.modelCooldowns?.[model]?.lastFailureAt : stats.lastFailureAt;
  return last !== undefined && last >= at;
}

/** Environment credentials are named `env:<VARIABLE>`. */
export function isEnvProfile(profileId: string): boolean {
  return profileId.startsWith("env:");
}

/** The stored stats after a success: the cooldown policy's, and the last failure dropped unless it came in after the call started. */
export function successRecord(stats: ProfileUsageStats, model: string, at: number, startedAt: number): ProfileUsageStats {
  const updated = applySuccess(stats, model, at, startedAt);
  if ((updated.lastFailureAt ?? 0) <= startedAt) delete updated.lastFailure;
  return updated;
}

/** The stored stats after a failure: the cooldown policy's, plus the failure itself (message redacted and cut) for `doctor`. */
export function failureRecord(stats: ProfileUsageStats, model: string, failure: ReportedFailure, at: number, policy: CooldownPolicy): ProfileUsageStats {
  const updated = applyFailure(stats, { failureClass: failure.failureClass, model, retryAfterMs: failure.retryAfterMs }, at, policy);
  updated.lastFailure = {
    failureClass: failure.failureClass,
    model,
    at,
    ...(failure.message ? { message: redactSecrets(failure.message).slice(0, MAX_STORED_MESSAGE) } : {}),
  };
  return updated;
}

/** Does a success have anything to reset in these stats (counters, cooldowns, the last failure)? */
function hasFailureState(stats: ProfileUsageStats, model: string): boolean {
  return (
    stats.errorCount > 0 ||
    Object.keys(stats.failureCounts).length > 0 ||
    stats.cooldownUntil > 0 ||
    stats.disabledUntil > 0 ||
    stats.disabledReason !== null ||
    model in stats.modelCooldowns ||
    stats.lastFailure !== undefined
  );
}
