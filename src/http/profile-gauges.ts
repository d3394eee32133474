import type { AuthStoreData } from "../auth/types.js";
import type { ProviderStanding } from "./agent-auth.js";

/** One profile's `baton_auth_profile_*` values. */
export interface ProfileGauge {
  agent: string;
  profile: string;
  usable: boolean;
  /** Until it is usable again for the agent's model (0 while usable, or when it will not free up by itself). */
  cooldownSeconds: number;
  /** Token and OAuth credentials with a known expiry only; negative once expired. */
  expiresInSeconds?: number;
}

/**
 * The gauges of every profile an agent has (in its order or not, and the environment
 * credential when that is what it uses), from its provider standings. Pure.
 */
export function profileGauges(agent: string, standings: ProviderStanding[], store: AuthStoreData, now: number): ProfileGauge[] {
  const seen = new Map<string, ProfileGauge>();
  for (const { standing } of standings) {
    for (const p of [...standing.profiles, ...standing.outsideOrder]) {
      if (seen.has(p.profileId)) continue;
      const stored = store.profiles[p.profileId];
      const expires = stored && stored.type !== "api_key" ? stored.expires : undefined;
      seen.set(p.profileId, {
        agent,
        profile: p.profileId,
        usable: p.usable,
        cooldownSeconds: !p.usable && p.remainingMs !== null ? p.remainingMs / 1000 : 0,
        ...(typeof expires === "number" ? { expiresInSeconds: (expires - now) / 1000 } : {}),
      });
    }
  }
  return [...seen.values()];
}
