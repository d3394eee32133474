/**
 * From what the fault proxy saw, what Baton's resolver must have recorded, and whether the
 * cooldowns in `models status` match it. Pure.
 *
 * An oracle: the rules are written out here from DESIGN.md §4 and §9, not imported from
 * src/auth, so a change of the product's policy shows up as a failing soak instead of moving
 * the yardstick with it.
 * - Which failures are recorded: auth and rate limits at once; overloaded only after the same
 *   turn's third try on that profile, timeouts / network failures after the second.
 * - How long each cools down: auth the whole profile, on the ladder; a 429 its (profile, model)
 *   until the reported reset (the fake reports one equal to `retry-after`), else `retry-after`,
 *   else the ladder, at least 1 s; overloaded and timeout a short, flat (profile, model) cooldown.
 *   A shorter cooldown recorded while a longer one of that (profile, model) runs does not cut it
 *   short, and a 429 then takes over the longer one's end under its own reason.
 * The proxy's clock and the resolver's differ by the time a report takes, and two reports of one
 * profile that end close together may reach the store in either order (each waits for the store
 * lock), so times are compared within `raceMs`, and a cooldown a success of the same profile may
 * have overwritten is not demanded.
 */
import type { FailureClass, UnusableProfile } from "../../src/auth/types.js";
import type { FaultKind, ProxiedCall } from "./fault-proxy.js";

/** DESIGN §4: 30 s, 1 m, 5 m, 25 m, then 1 h (cap). */
export const LADDER_MS = [30_000, 60_000, 5 * 60_000, 25 * 60_000, 60 * 60_000] as const;
/** The shortest 429 cooldown (a `retry-after: 0` must not send the next call straight back). */
export const MIN_RATE_LIMIT_MS = 1_000;
/** The short, non-escalating (profile, model) cooldown after overloaded and timeout failures. */
export const SHORT_COOLDOWN_MS = 30_000;
/** Tries of one profile in one turn before the failure is recorded (DESIGN §4: overloaded retries twice, timeouts once). */
const TRIES_BEFORE_RECORDED: Partial<Record<FailureClass, number>> = { overloaded: 3, timeout: 2 };

/** Whether the `attempt`-th (0-based) failed try of a profile in a turn is recorded, or retried first. */
export function isRecorded(failureClass: FailureClass, attempt: number): boolean {
  return attempt + 1 >= (TRIES_BEFORE_RECORDED[failureClass] ?? 1);
}

export interface ReportedEvent {
  profileId: string;
  model: string;
  /** When the response ended at the proxy. */
  at: number;
  outcome: "success" | FailureClass;
  retryAfterMs?: number;
  seq: number;
  /** When the call behind the event started at the proxy. */
  startedAt: number;
}

const CLASS_OF: Record<Exclude<FaultKind, "ok" | "slow">, FailureClass> = {
  unauthorized: "auth",
  rate_limited: "rate_limit",
  overloaded: "overloaded",
  mid_stream_error: "overloaded",
  reset: "timeout",
  reset_mid_stream: "timeout",
};

/** The successes and failures the resolver recorded, in the order their responses ended. */
export function reportedEvents(calls: readonly ProxiedCall[], profileOf: (credential: string) => string | undefined): ReportedEvent[] {
  const attempts = new Map<string, number>();
  const events: ReportedEvent[] = [];
  for (const call of [...calls].sort((a, b) => a.seq - b.seq)) {
    const profileId = profileOf(call.credential);
    if (!profileId || call.endedAt === undefined) continue;
    const key = `${call.turnKey}|${call.credential}|${call.model}`;
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    const { kind } = call.decision;
    if (kind === "ok" || kind === "slow") {
      if (call.ending === "complete" && call.status === 200) events.push({ profileId, model: call.model, at: call.endedAt, outcome: "success", seq: call.seq, startedAt: call.startedAt });
      continue;
    }
    const failureClass = CLASS_OF[kind];
    if (!isRecorded(failureClass, attempt)) continue;
    events.push({
      profileId,
      model: call.model,
      at: call.endedAt,
      outcome: failureClass,
      ...(kind === "rate_limited" ? { retryAfterMs: (call.decision.retryAfterSeconds ?? 0) * 1000 } : {}),
      seq: call.seq,
      startedAt: call.startedAt,
    });
  }
  return events.sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/** Cooldown lengths the policy may give this failure (the ladder step depends on earlier failures). */
export function possibleDurations(event: Pick<ReportedEvent, "outcome" | "retryAfterMs">): number[] {
  // until the reported reset (the fake reports one with each 429, equal to its retry-after), else the ladder
  if (event.outcome === "rate_limit") return event.retryAfterMs === undefined ? [...LADDER_MS] : [Math.max(event.retryAfterMs, MIN_RATE_LIMIT_MS)];
  if (event.outcome === "auth") return [...LADDER_MS];
  return [SHORT_COOLDOWN_MS];
}

const near = (a: number, b: number, tolerance: number) => Math.abs(a - b) <= tolerance;

/**
 * Whether a success of the profile (and model, for a model cooldown) may have been recorded
 * after `event`. Successes before `settledAt` were recorded before anything after it.
 */
function mayBeClearedBySuccess(event: ReportedEvent, events: readonly ReportedEvent[], scoped: boolean, raceMs: number, settledAt: number): boolean {
  return events.some(
    (s) =>
      s.outcome === "success" &&
      s.profileId === event.profileId &&
      (!scoped || s.model === event.model) &&
      s.at > event.at - raceMs &&
      !(s.at < settledAt && event.at >= settledAt),
  );
}

export interface CooldownCheck {
  problems: string[];
  /** Injected failures whose cooldown had to show, and did, by class. */
  confirmed: Partial<Record<FailureClass, number>>;
  /** Cooldowns shown, each explained by an injected failure. */
  explained: number;
}

/**
 * Every cooldown `unusable` lists must come from an injected failure of that class on that
 * profile and model, with a length the policy gives it; and every recorded failure whose
 * cooldown still runs at `now` (and that no later success may have cleared) must be listed.
 */
export function checkCooldowns(input: {
  events: readonly ReportedEvent[];
  unusable: readonly UnusableProfile[];
  now: number;
  raceMs: number;
  /** A moment when every earlier report was in the store before any later call began (a pause in traffic). */
  settledAt?: number;
}): CooldownCheck {
  const { events, unusable, now, raceMs } = input;
  const settledAt = input.settledAt ?? 0;
  const problems: string[] = [];
  const confirmed: CooldownCheck["confirmed"] = {};
  let explained = 0;
  const failures = events.filter((e) => e.outcome !== "success");

  for (const entry of unusable) {
    const scoped = entry.model !== undefined;
    const classes: FailureClass[] = scoped ? [entry.reason as FailureClass] : entry.reason === "auth" ? ["auth"] : [];
    // rejected past its retry time: listed (until null) as long as no success followed the 401
    if (entry.kind === "rejected" && entry.until === null && failures.some((e) => e.profileId === entry.profileId && e.outcome === "auth")) {
      explained += 1;
      continue;
    }
    if (entry.until === null || !classes.length) {
      problems.push(`${entry.profileId} is unusable (${entry.reason}) but nothing injected can cause that`);
      continue;
    }
    const until = entry.until;
    const sameTarget = (e: ReportedEvent) => e.profileId === entry.profileId && (!scoped || e.model === entry.model);
    const endsIt = (e: ReportedEvent) => possibleDurations(e).some((d) => near(until, e.at + d, raceMs));
    // a 429 while a longer cooldown of that (profile, model) ran keeps that one's end, under reason rate_limit
    const takenOver = (e: ReportedEvent) =>
      scoped &&
      entry.reason === "rate_limit" &&
      e.outcome !== "auth" &&
      e.outcome !== "success" &&
      failures.some((r) => sameTarget(r) && r.outcome === "rate_limit" && r.at >= e.at - raceMs && r.at <= until + raceMs);
    const cause = failures.find((e) => sameTarget(e) && (classes.includes(e.outcome as FailureClass) || takenOver(e)) && endsIt(e));
    if (cause) explained += 1;
    else problems.push(`${entry.profileId}${scoped ? ` on ${entry.model}` : ""}: ${entry.reason} until ${new Date(entry.until).toISOString()} matches no injected failure`);
  }

  for (const event of failures) {
    const scoped = event.outcome !== "auth";
    const shortest = Math.min(...possibleDurations(event));
    if (event.at + shortest <= now + raceMs) continue; // over by now
    if (mayBeClearedBySuccess(event, events, scoped, raceMs, settledAt)) continue;
    const shown = unusable.find(
      (u) =>
        u.profileId === event.profileId &&
        (scoped ? u.model === event.model && (event.outcome !== "rate_limit" || u.reason === "rate_limit") : u.model === undefined && u.reason === "auth") &&
        u.until !== null &&
        u.until >= event.at + shortest - raceMs,
    );
    if (shown) confirmed[event.outcome as FailureClass] = (confirmed[event.outcome as FailureClass] ?? 0) + 1;
    else problems.push(`${event.profileId}: the ${event.outcome} failure at ${new Date(event.at).toISOString()}${scoped ? ` on ${event.model}` : ""} should still cool it down, but models status does not say so`);
  }
  return { problems, confirmed, explained };
}

/**
 * Calls made with a profile while a recorded failure still cooled it down (for that model, or
 * entirely after an auth failure), unless a success of that profile may have lifted the cooldown.
 */
export function callsDuringCooldown(calls: readonly ProxiedCall[], events: readonly ReportedEvent[], profileOf: (credential: string) => string | undefined, raceMs: number): string[] {
  const violations: string[] = [];
  const failures = events.filter((e) => e.outcome !== "success");
  for (const call of calls) {
    const profileId = profileOf(call.credential);
    if (!profileId) continue;
    for (const failure of failures) {
      if (failure.profileId !== profileId) continue;
      const scoped = failure.outcome !== "auth";
      if (scoped && failure.model !== call.model) continue;
      const shortest = Math.min(...possibleDurations(failure));
      if (!(call.startedAt > failure.at + raceMs && call.startedAt < failure.at + shortest - raceMs)) continue;
      // only a success of a call that started after the failure lifts it: an answer to a request
      // already in flight when the failure came back says nothing new about the profile
      const lifted = events.some(
        (s) =>
          s.outcome === "success" &&
          s.profileId === profileId &&
          (!scoped || s.model === call.model) &&
          s.at > failure.at - raceMs &&
          s.at < call.startedAt &&
          s.startedAt > failure.at - raceMs,
      );
      if (!lifted) {
        violations.push(`call #${call.seq} used ${profileId} on ${call.model} ${call.startedAt - failure.at} ms after its ${failure.outcome} failure`);
        break;
      }
    }
  }
  return violations;
}

/**
 * Recorded failures followed, within the cooldown's length, by the success of a call that had
 * started before the failure: a request already in flight when the profile failed. Baton keeps
 * the cooldown in that case (figures for the report).
 */
export function cooldownsLiftedByEarlierCalls(calls: readonly ProxiedCall[], events: readonly ReportedEvent[]): { failures: number; lifted: number } {
  const scopedFailures = events.filter((e) => e.outcome !== "success" && e.outcome !== "auth");
  let lifted = 0;
  for (const failure of scopedFailures) {
    const shortest = Math.min(...possibleDurations(failure));
    const early = events.some(
      (s) =>
        s.outcome === "success" &&
        s.profileId === failure.profileId &&
        s.model === failure.model &&
        s.at > failure.at &&
        s.at < failure.at + shortest &&
        calls[s.seq].startedAt < failure.at,
    );
    if (early) lifted += 1;
  }
  return { failures: scopedFailures.length, lifted };
}
