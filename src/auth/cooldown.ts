import type { FailureClass, ModelCooldown, ProfileUsageStats } from "./types.js";

/**
 * Cooldown policy: what a failure or a success does to a profile's usage stats.
 * Pure: takes the stats and the clock, returns new stats; never mutates its input.
 *
 * - rate_limit: (profile, model) cooldown until the limit the provider reported resets (the
 *   caller passes reset - now, else `retry-after`, as `retryAfterMs`), at least
 *   {@link MIN_RATE_LIMIT_COOLDOWN_MS}; without either, ladder[n], where n counts recent rate
 *   limits of that (profile, model). The provider knows when its limit resets; the ladder is
 *   only the guess for when it does not say.
 * - overloaded, timeout: a short (profile, model) cooldown of {@link SHORT_COOLDOWN_MS} that
 *   does not escalate: the service is struggling, not the credential, so a long pause would only
 *   hide a healthy profile. The next (usually different) profile is tried meanwhile.
 * - auth: whole-profile cooldown on the ladder (a revoked key stays out longer each time).
 * - billing: the profile is disabled for billingBackoffHours, doubling per recent billing
 *   failure, capped at billingMaxHours.
 * - request: nothing changes; the request itself was wrong.
 * Counters older than the failure window restart from zero before counting.
 */

/** Ladder of cooldowns for repeated failures: 30 s, 1 m, 5 m, 25 m, then 1 h (cap). */
export const COOLDOWN_LADDER_MS = [30_000, 60_000, 5 * 60_000, 25 * 60_000, 60 * 60_000] as const;

/** The shortest rate-limit cooldown, so a `retry-after: 0` does not send the next call straight back. */
export const MIN_RATE_LIMIT_COOLDOWN_MS = 1_000;

/** Cooldown after an overloaded or timed-out call; the same every time. */
export const SHORT_COOLDOWN_MS = 30_000;

export interface CooldownPolicy {
  failureWindowHours: number;
  billingBackoffHours: number;
  billingMaxHours: number;
}

export const DEFAULT_COOLDOWN_POLICY: CooldownPolicy = { failureWindowHours: 24, billingBackoffHours: 5, billingMaxHours: 24 };

export interface FailureEvent {
  failureClass: FailureClass;
  model: string;
  /** rate_limit: how long the provider said the limit lasts (reported reset, else retry-after). */
  retryAfterMs?: number;
}

const HOUR_MS = 3_600_000;

/** The ladder step for the n-th recent failure (0-based), capped at the last step. */
export function ladderMs(priorFailures: number): number {
  return COOLDOWN_LADDER_MS[Math.min(Math.max(priorFailures, 0), COOLDOWN_LADDER_MS.length - 1)];
}

export function freshStats(): ProfileUsageStats {
  return { lastUsed: 0, errorCount: 0, failureCounts: {}, cooldownUntil: 0, disabledUntil: 0, disabledReason: null, modelCooldowns: {} };
}

function copyStats(stats: ProfileUsageStats | undefined): ProfileUsageStats {
  const base = stats ?? freshStats();
  return {
    ...base,
    failureCounts: { ...base.failureCounts },
    modelCooldowns: Object.fromEntries(Object.entries(base.modelCooldowns ?? {}).map(([m, c]) => [m, { ...c }])),
  };
}

/** The stats after `failure` at `now`. */
export function applyFailure(
  stats: ProfileUsageStats | undefined,
  failure: FailureEvent,
  now: number,
  policy: CooldownPolicy = DEFAULT_COOLDOWN_POLICY,
): ProfileUsageStats {
  const next = copyStats(stats);
  next.lastUsed = now;
  if (failure.failureClass === "request") return next;

  const windowMs = policy.failureWindowHours * HOUR_MS;
  if (next.lastFailureAt !== undefined && now - next.lastFailureAt > windowMs) {
    next.failureCounts = {};
    next.errorCount = 0;
  }
  const prior = next.failureCounts[failure.failureClass] ?? 0;
  next.failureCounts[failure.failureClass] = prior + 1;
  next.errorCount += 1;
  next.lastFailureAt = now;

  switch (failure.failureClass) {
    case "auth":
      next.cooldownUntil = Math.max(next.cooldownUntil, now + ladderMs(prior));
      break;
    case "billing": {
      const hours = Math.min(policy.billingBackoffHours * 2 ** prior, policy.billingMaxHours);
      next.disabledUntil = Math.max(next.disabledUntil, now + hours * HOUR_MS);
      next.disabledReason = "billing";
      break;
    }
    case "rate_limit":
    case "overloaded":
    case "timeout":
      next.modelCooldowns[failure.model] = modelFailure(next.modelCooldowns[failure.model], failure, now, windowMs);
      break;
  }
  return next;
}

function modelFailure(current: ModelCooldown | undefined, failure: FailureEvent, now: number, windowMs: number): ModelCooldown {
  const recent = current && now - current.lastFailureAt <= windowMs ? current : undefined;
  const count = recent?.count ?? 0;
  const stillActive = recent && recent.until > now ? recent : undefined;
  if (failure.failureClass === "rate_limit") {
    const lasts = failure.retryAfterMs === undefined ? ladderMs(count) : Math.max(failure.retryAfterMs, MIN_RATE_LIMIT_COOLDOWN_MS);
    const until = now + lasts;
    return { until: Math.max(until, stillActive?.until ?? 0), count: count + 1, reason: "rate_limit", lastFailureAt: now };
  }
  // overloaded / timeout: short, flat; an active longer rate-limit cooldown is kept as it is
  const until = now + SHORT_COOLDOWN_MS;
  if (stillActive && stillActive.until >= until) return { ...stillActive, lastFailureAt: now };
  return { until, count, reason: failure.failureClass, lastFailureAt: now };
}

/**
 * The stats after a successful call with `model` that started at `startedAt` and ended at `now`:
 * counters, the profile cooldown and billing disable are cleared, as is that model's cooldown;
 * other models' cooldowns stay. Failures recorded after the call started (another call's 429 or
 * 401 while this one was in flight) are newer news than this success and are kept.
 */
export function applySuccess(stats: ProfileUsageStats | undefined, model: string, now: number, startedAt: number = now): ProfileUsageStats {
  const next = copyStats(stats);
  next.lastUsed = now;
  if ((next.lastFailureAt ?? 0) <= startedAt) {
    next.errorCount = 0;
    next.failureCounts = {};
    next.cooldownUntil = 0;
    next.disabledUntil = 0;
    next.disabledReason = null;
  }
  const modelCooldown = next.modelCooldowns[model];
  if (modelCooldown && modelCooldown.lastFailureAt <= startedAt) delete next.modelCooldowns[model];
  return next;
}

/** Stats with every cooldown and disable cleared (`models auth cooldown clear`); usage history kept. */
export function clearCooldowns(stats: ProfileUsageStats | undefined): ProfileUsageStats {
  const next = copyStats(stats);
  next.errorCount = 0;
  next.failureCounts = {};
  next.cooldownUntil = 0;
  next.disabledUntil = 0;
  next.disabledReason = null;
  next.modelCooldowns = {};
  return next;
}

/** The policy from config `auth.cooldowns`, defaults filled in. */
export function cooldownPolicy(cooldowns: Partial<CooldownPolicy> | undefined): CooldownPolicy {
  return { ...DEFAULT_COOLDOWN_POLICY, ...(cooldowns ?? {}) };
}
