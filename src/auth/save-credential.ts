import { updateConfigFile } from "../config/write.js";
import { CLAUDE_CLI_PROFILE_ID } from "./claude-sync.js";
import { updateAuthStore } from "./store.js";
import type { AuthProfile } from "./types.js";

/**
 * Storing a credential the user gave us (onboard, paste-token, setup-token): the secret goes into
 * the agent's store, the profile's description (`auth.profiles[id] = { provider, mode }`) into the
 * config. The store is written first: a credential without a config entry still works (it is
 * found as a stored profile), a config entry without a credential would not.
 */

export type ProfileMode = "api_key" | "oauth" | "token";

/** Config `mode` for a stored profile; `anthropic:claude-cli` is always `oauth` (it accepts OAuth and setup-tokens). */
export function configModeFor(profileId: string, profile: AuthProfile): ProfileMode {
  if (profile.type === "api_key") return "api_key";
  if (profile.type === "oauth" || profileId === CLAUDE_CLI_PROFILE_ID) return "oauth";
  return "token";
}

export interface SaveCredentialResult {
  storePath: string;
  configPath: string;
  replaced: boolean;
  mode: ProfileMode;
}

export async function saveCredential(options: { storePath: string; configPath: string; profileId: string; profile: AuthProfile }): Promise<SaveCredentialResult> {
  const { storePath, configPath, profileId, profile } = options;
  const replaced = await updateAuthStore(storePath, (store) => {
    const existed = profileId in store.profiles;
    store.profiles[profileId] = profile;
    delete store.usageStats[profileId]; // a new credential starts without the old one's cooldowns
    return existed;
  });
  const mode = configModeFor(profileId, profile);
  await describeProfileInConfig(configPath, profileId, profile.provider, mode);
  return { storePath, configPath, replaced, mode };
}

/** Sets `auth.profiles[id] = { provider, mode }` in the config, keeping other fields of that entry (allowedUsers, email). */
export async function describeProfileInConfig(configPath: string, profileId: string, provider: string, mode: ProfileMode): Promise<void> {
  await updateConfigFile(configPath, (raw) => {
    const auth = (raw.auth ??= {});
    const profiles = (auth.profiles ??= {});
    profiles[profileId] = { ...(profiles[profileId] ?? {}), provider, mode };
  });
}

/** Removes `auth.profiles[id]` and the id from `auth.order` lists of the config; returns whether anything changed. */
export async function forgetProfileInConfig(configPath: string, profileId: string): Promise<boolean> {
  const result = await updateConfigFile(configPath, (raw) => {
    const auth = raw.auth;
    if (!auth || typeof auth !== "object") return;
    if (auth.profiles && profileId in auth.profiles) delete auth.profiles[profileId];
    for (const [provider, ids] of Object.entries(auth.order ?? {})) {
      if (Array.isArray(ids) && ids.includes(profileId)) auth.order[provider] = ids.filter((id: unknown) => id !== profileId);
    }
  });
  return result.changed;
}
