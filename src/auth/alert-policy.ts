import { formatDuration } from "../util/duration.js";
import { rejectedCredentialAdvice, expiredTokenMessage } from "./messages.js";
import { isExpiredStatic, isRejected, shortError } from "./order.js";
import { EXPIRING_WITHIN_MS, rejectionDetail } from "./status.js";
import type { AuthProfile, ProfileUsageStats } from "./types.js";

/**
 * When the owner hears about a credential (config `gateway.alerts.to`, DESIGN §9): once each
 * time a profile enters a state that needs them — `rejected` by the provider, `disabled`
 * (billing), `expiring` within 24 h, `expired` — and not again while it stays there, restarts
 * included (the caller persists {@link AlertMemory}). Back to `ok` re-arms it silently. Pure.
 */

export type AlertState = "ok" | "rejected" | "disabled" | "expiring" | "expired";

/** The last state alerted (or seen ok) per `<agentId>/<profileId>`. */
export type AlertMemory = Readonly<Record<string, AlertState>>;

export interface ProfileHealth {
  agentId: string;
  profileId: string;
  profile: AuthProfile;
  stats?: ProfileUsageStats;
}

export interface Alert {
  key: string;
  state: Exclude<AlertState, "ok">;
  /** Plain text, secrets masked. */
  text: string;
}

export function alertKey(agentId: string, profileId: string): string {
  return `${agentId}/${profileId}`;
}

/** The state of one profile that alerts care about; the most serious wins (rejected, expired, disabled, expiring). */
export function alertStateOf(profile: AuthProfile, stats: ProfileUsageStats | undefined, now: number): AlertState {
  if (isRejected(stats)) return "rejected";
  if (isExpiredStatic(profile, now)) return "expired";
  if (stats && stats.disabledUntil > now) return "disabled";
  if (expiresWithin(profile, now, EXPIRING_WITHIN_MS)) return "expiring";
  return "ok";
}

/** A credential Baton cannot renew that runs out within `ms` (OAuth with a refresh token never does). */
function expiresWithin(profile: AuthProfile, now: number, ms: number): boolean {
  if (profile.type === "api_key") return false;
  if (profile.type === "oauth" && profile.refresh) return false;
  const expires = profile.expires;
  return expires !== undefined && expires > now && expires - now <= ms;
}

/**
 * The alerts to send now and the memory to keep: an alert for every profile whose state is not
 * ok and differs from what `memory` holds; profiles no longer present are forgotten.
 */
export function decideAlerts(memory: AlertMemory, profiles: readonly ProfileHealth[], now: number): { alerts: Alert[]; memory: Record<string, AlertState> } {
  const next: Record<string, AlertState> = {};
  const alerts: Alert[] = [];
  for (const health of profiles) {
    const key = alertKey(health.agentId, health.profileId);
    const state = alertStateOf(health.profile, health.stats, now);
    next[key] = state;
    if (state !== "ok" && memory[key] !== state) alerts.push({ key, state, text: alertText(state, health, now) });
  }
  return { alerts, memory: next };
}

/** What the owner reads: what happened, to which profile of which agent, and what to do. */
export function alertText(state: Exclude<AlertState, "ok">, health: ProfileHealth, now: number): string {
  const { agentId, profileId, profile, stats } = health;
  const who = `profile ${profileId} (agent ${agentId})`;
  const type = profile.type;
  switch (state) {
    case "rejected":
      return `Baton: ${who} was rejected by ${profile.provider} (${rejectionDetail(stats?.lastFailure?.message)}). ${rejectedCredentialAdvice({ profileId, provider: profile.provider, type })}`;
    case "disabled": {
      const until = stats?.disabledUntil ?? now;
      const why = shortError(stats?.lastFailure?.message) ?? stats?.disabledReason ?? "billing";
      return `Baton: ${who} is disabled for ${formatDuration(until - now)} (${why}). Add credits in your ${profile.provider} account or add another profile.`;
    }
    case "expiring": {
      const expires = (profile as { expires: number }).expires;
      const renew =
        profile.provider === "anthropic" && type !== "api_key" ? " Re-run `claude setup-token` and paste it with `baton models auth paste-token --provider anthropic`." : "";
      return `Baton: the credential of ${who} expires in ${formatDuration(expires - now)} (${new Date(expires).toISOString()}).${renew}`;
    }
    case "expired":
      return `Baton: ${who}: ${expiredTokenMessage(profileId)}`;
  }
}
