import type { Redis } from "ioredis";
import { readAuthStoreCached } from "../../auth/store.js";
import type { BatonPaths } from "../../config/paths.js";
import type { AuthUsageRepository } from "../auth-usage.js";
import type { ChannelStateStore } from "../channel-state.js";
import type { ConnectionLease } from "../leases.js";
import type { SessionRepository } from "../sessions.js";
import { RedisAuthUsage } from "./auth-usage.js";
import { RedisChannelState } from "./channel-state.js";
import { openRedis, ready } from "./connection.js";
import { RedisConnectionLease } from "./connection-lease.js";
import { withRedisLock } from "./lock.js";
import { RedisPairing, redisPairingChannels } from "./pairing.js";
import { acquireSessionRun } from "./session-run.js";
import { RedisSessionStore } from "./sessions.js";
import type { PairingRepository } from "../pairing.js";
import { RedisUsageStore } from "./usage.js";
import type { UsageRepository } from "../usage.js";

export interface RedisBackendOptions {
  url: string;
  keyPrefix: string;
  /** Who holds leases: unique per process (host, pid and a random part). */
  owner: string;
  /** How long a lease lasts without renewal: a standby takes over within this after a holder dies. */
  leaseTtlMs: number;
}

/** The Redis parts of the state backend; repositories are created once per id. */
export interface RedisState {
  readonly redis: Redis;
  sessions(agentId: string): SessionRepository;
  authUsage(agentId: string): AuthUsageRepository;
  channelState(channelId: string): ChannelStateStore;
  connectionLease(channelId: string, identity: string): ConnectionLease;
  usage(): UsageRepository;
  pairing(channelId: string): PairingRepository;
  pairingChannels(): Promise<string[]>;
  /** Runs `work` under a lock shared by every process on this Redis (see `lock.ts`). */
  withLock<T>(name: string, ttlMs: number, work: () => Promise<T>): Promise<T>;
  /** Resolves when the connection takes commands, rejects after `timeoutMs` (commands fail fast, never queue). */
  ready(timeoutMs?: number): Promise<void>;
  /** Waits until this process may run a turn of the session; resolves to the release. */
  sessionRun(agentId: string, sessionKey: string, signal?: AbortSignal): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function openRedisState(options: RedisBackendOptions, paths: BatonPaths): RedisState {
  const name = options.owner.replace(/[^\w.:-]/g, "_");
  const redis = openRedis({ url: options.url, keyPrefix: options.keyPrefix, name });
  let subscriber: Redis | undefined;
  const sessions = new Map<string, SessionRepository>();
  const usage = new Map<string, AuthUsageRepository>();
  const channels = new Map<string, ChannelStateStore>();
  let usageStore: UsageRepository | undefined;
  let connecting: Promise<void> | undefined;
  const once = <T>(cache: Map<string, T>, id: string, create: () => T): T => {
    let value = cache.get(id);
    if (!value) cache.set(id, (value = create()));
    return value;
  };
  return {
    redis,
    ready: (timeoutMs = 1000) => {
      if (redis.status === "ready") return Promise.resolve();
      // one wait shared by every call that comes in while connecting (not a listener each)
      connecting ??= ready(redis, timeoutMs).finally(() => (connecting = undefined));
      return connecting;
    },
    sessionRun: (agentId, sessionKey, signal) => acquireSessionRun(redis, options.owner, agentId, sessionKey, { signal }),
    sessions: (agentId) => once(sessions, agentId, () => new RedisSessionStore(redis, agentId)),
    authUsage: (agentId) =>
      once(usage, agentId, () => {
        // pub/sub needs a connection of its own; opened on first use, so CLI commands that never read usage do not
        subscriber ??= openRedis({ url: options.url, keyPrefix: options.keyPrefix, name: `${name}:sub`, commandTimeoutMs: 2000 });
        const storePath = paths.authStorePath(agentId);
        return new RedisAuthUsage({
          redis,
          subscriber,
          agentId,
          knowsProfile: async (profileId) => profileId.startsWith("env:") || Boolean((await readAuthStoreCached(storePath)).profiles[profileId]),
        });
      }),
    channelState: (channelId) => once(channels, channelId, () => new RedisChannelState(redis, channelId)),
    usage: () => (usageStore ??= new RedisUsageStore(redis)),
    pairing: (channelId) => new RedisPairing(redis, channelId),
    pairingChannels: () => redisPairingChannels(redis),
    withLock: (name, ttlMs, work) => withRedisLock(redis, name, ttlMs, work),
    connectionLease: (channelId, identity) => new RedisConnectionLease(redis, channelId, identity, options.owner, options.leaseTtlMs),
    close: async () => {
      await Promise.allSettled([redis.quit(), subscriber?.quit()]);
    },
  };
}
