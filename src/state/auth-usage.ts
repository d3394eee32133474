import type { ProfileUsageStats } from "../auth/types.js";

/**
 * Usage stats of an agent's auth profiles: last use, failure counters, cooldowns, disables.
 * The credential resolver reads them to choose a profile and writes them after every call
 * (through `src/auth/usage-recorder.ts`); what a success or failure does to them is the pure
 * policy of `src/auth/cooldown.ts`, so every backend applies the same rules.
 */

/** Profile id -> its stats. */
export type UsageSnapshot = Readonly<Record<string, ProfileUsageStats>>;

export interface AuthUsageRepository {
  /**
   * Every profile's stats as last stored. Read before every credential pick, so a backend
   * answers from memory or a cached read, not a round trip per turn. Callers must not mutate it.
   */
  snapshot(): Promise<UsageSnapshot>;
  /**
   * Sets one profile's stats to `change(current)` with no other write to that profile in
   * between; `current` is fresh stats when none are stored. `change` must be pure: a backend
   * may run it again after a conflicting write. Resolves to the stored stats, or to undefined
   * (nothing written) when the backend knows no such profile, e.g. its credential was removed.
   */
  update(profileId: string, change: (current: ProfileUsageStats) => ProfileUsageStats): Promise<ProfileUsageStats | undefined>;
}
