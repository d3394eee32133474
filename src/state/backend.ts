import path from "node:path";
import type { BatonPaths } from "../config/paths.js";
import type { BatonConfig } from "../config/schema.js";
import type { AuthUsageRepository } from "./auth-usage.js";
import type { ChannelStateStore } from "./channel-state.js";
import { FileAuthUsage } from "./file/auth-usage.js";
import { FileChannelState } from "./file/channel-state.js";
import { FileSessionStore } from "./file/session-store.js";
import { FileUsageStore } from "./file/usage.js";
import type { SessionRepository } from "./sessions.js";
import type { UsageRepository } from "./usage.js";

/**
 * Where Baton keeps what changes while it runs: sessions, auth usage, channel state. The one
 * place a backend is chosen (config `state.backend`); callers depend on the interfaces only.
 */
export interface StateBackend {
  readonly kind: "file";
  sessions(agentId: string): SessionRepository;
  authUsage(agentId: string): AuthUsageRepository;
  /** The state of one channel plugin (keyed by the plugin id). */
  channelState(channelId: string): ChannelStateStore;
  /** Token usage and cost per day, agent, session, sender, model and profile (all agents). */
  usage(): UsageRepository;
}

export function openStateBackend(config: Pick<BatonConfig, "state">, paths: BatonPaths): StateBackend {
  switch (config.state.backend) {
    case "file":
      return fileBackend(paths);
    case "redis":
      // the config schema refuses it already; a hand-built config gets the same answer
      throw new Error('state.backend "redis" is not available yet; use "file" (the default)');
  }
}

/** The embedded default: everything under the state dir. Repositories are created once per id. */
function fileBackend(paths: BatonPaths): StateBackend {
  const sessions = new Map<string, SessionRepository>();
  const usage = new Map<string, AuthUsageRepository>();
  const channels = new Map<string, ChannelStateStore>();
  let usageStore: UsageRepository | undefined;
  const once = <T>(cache: Map<string, T>, id: string, create: () => T): T => {
    let value = cache.get(id);
    if (!value) cache.set(id, (value = create()));
    return value;
  };
  return {
    kind: "file",
    sessions: (agentId) => once(sessions, agentId, () => new FileSessionStore(paths.sessionsDir(agentId))),
    authUsage: (agentId) => once(usage, agentId, () => new FileAuthUsage(paths.authStorePath(agentId))),
    channelState: (channelId) => once(channels, channelId, () => new FileChannelState(paths.pluginStateDir(channelId))),
    usage: () => (usageStore ??= new FileUsageStore(path.join(paths.stateDir, "usage"))),
  };
}
