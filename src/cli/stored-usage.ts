import type { AuthStoreData } from "../auth/types.js";
import type { BatonPaths } from "../config/paths.js";
import type { BatonConfig } from "../config/schema.js";

/**
 * Usage stats (cooldowns, failures, last use) live where `state.backend` says: inside the auth
 * store file with the file backend, in Redis with the redis backend (shared by every gateway).
 * CLI commands that show or change them go through here, so they see what the gateways see.
 */

interface StateSource {
  config: Pick<BatonConfig, "state">;
  paths: BatonPaths;
  env: Readonly<Record<string, string | undefined>>;
}

/** `store` with the configured backend's usage stats (unchanged with the file backend). */
export async function withBackendUsage(source: StateSource, agentId: string, store: AuthStoreData): Promise<AuthStoreData> {
  if (source.config.state.backend === "file") return store;
  // loaded only for a shared backend: with files, `models status` reads nothing more than the store
  const { openStateBackend } = await import("../state/backend.js");
  const usageStats = await openStateBackend(source.config, source.paths, source.env).authUsage(agentId).snapshot();
  return { ...store, usageStats: { ...usageStats } };
}
