import { freshStats } from "../../auth/cooldown.js";
import { readAuthStoreCached, updateAuthStore } from "../../auth/store.js";
import type { ProfileUsageStats } from "../../auth/types.js";
import type { AuthUsageRepository, UsageSnapshot } from "../auth-usage.js";

/**
 * Embedded file backend of {@link AuthUsageRepository}: the `usageStats` of the agent's
 * `auth-profiles.json`, next to the profiles they describe. Reads share the store's cached
 * parse (re-read only when the file changed); updates run under the store's file lock, so the
 * gateway and CLI commands can write at once.
 */
export class FileAuthUsage implements AuthUsageRepository {
  constructor(readonly storePath: string) {}

  async snapshot(): Promise<UsageSnapshot> {
    return (await readAuthStoreCached(this.storePath)).usageStats;
  }

  update(profileId: string, change: (current: ProfileUsageStats) => ProfileUsageStats): Promise<ProfileUsageStats | undefined> {
    return updateAuthStore(this.storePath, (store) => {
      if (!store.profiles[profileId]) return undefined;
      const updated = change(store.usageStats[profileId] ?? freshStats());
      store.usageStats[profileId] = updated;
      return updated;
    });
  }
}
