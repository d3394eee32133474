import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { BatonPaths } from "../config/paths.js";
import type { BatonConfig } from "../config/schema.js";
import type { AuthUsageRepository } from "./auth-usage.js";
import type { ChannelStateStore } from "./channel-state.js";
import type { ConnectionLease } from "./leases.js";
import { filePairing, isValidChannelId, pairingChannels } from "../pairing/store.js";
import type { PairingRepository } from "./pairing.js";
import { FileAuthUsage } from "./file/auth-usage.js";
import { FileChannelState } from "./file/channel-state.js";
import { FileSessionStore } from "./file/session-store.js";
import { FileUsageStore } from "./file/usage.js";
import type { SessionRepository } from "./sessions.js";
import { trackOpenBackend } from "./open-backends.js";
import type { RedisState } from "./redis/backend.js";
import { isConnectionFailure, StateUnavailableError } from "./unavailable.js";
import type { UsageRepository } from "./usage.js";

/**
 * Where Baton keeps what changes while it runs: sessions, auth usage, channel state. The one
 * place a backend is chosen (config `state.backend`); callers depend on the interfaces only.
 */
export interface StateBackend {
  readonly kind: "file" | "redis";
  sessions(agentId: string): SessionRepository;
  authUsage(agentId: string): AuthUsageRepository;
  /** The state of one channel plugin (keyed by the plugin id). */
  channelState(channelId: string): ChannelStateStore;
  /** Token usage and cost per day, agent, session, sender, model and profile (all agents). */
  usage(): UsageRepository;
  /** DM pairing requests and approvals of one channel. Throws on an invalid channel id. */
  pairing(channelId: string): PairingRepository;
  /** Channels that have pairing data, sorted. */
  pairingChannels(): Promise<string[]>;
  /**
   * Runs `work` under a named lock held across every process sharing this backend (waiting while
   * another holds it); `ttlMs` frees the lock of a process that died. Undefined for a backend of
   * one process (file locks suffice there).
   */
  withLock?<T>(name: string, ttlMs: number, work: () => Promise<T>): Promise<T>;
  /**
   * The lease on one channel connection when several gateways share this backend; undefined
   * for a backend of one process (it always holds every connection).
   */
  connectionLease?(channelId: string, identity: string): ConnectionLease;
  /**
   * Waits until this process may run a turn of the session and resolves to the release; for a
   * backend shared by several processes (one run at a time per session across them).
   */
  sessionRun?(agentId: string, sessionKey: string, signal?: AbortSignal): Promise<() => Promise<void>>;
  /** Closes connections (a no-op for files). */
  close(): Promise<void>;
}

/**
 * The configured backend. `env` supplies `BATON_REDIS_URL` when `state.redis.url` is unset.
 * A Redis backend connects lazily and is closed by {@link closeOpenBackends} when a CLI command ends.
 */
export function openStateBackend(config: Pick<BatonConfig, "state">, paths: BatonPaths, env: Readonly<Record<string, string | undefined>> = process.env): StateBackend {
  switch (config.state.backend) {
    case "file":
      return fileBackend(paths);
    case "redis":
      return redisBackend(config.state, paths, env);
  }
}

function redisBackend(state: BatonConfig["state"], paths: BatonPaths, env: Readonly<Record<string, string | undefined>>): StateBackend {
  const url = state.redis?.url ?? env.BATON_REDIS_URL;
  if (!url) throw new Error('state.backend is "redis" but no Redis URL is set: set state.redis.url or BATON_REDIS_URL');
  const options = {
    url,
    keyPrefix: state.redis?.keyPrefix ?? "baton:",
    owner: `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    leaseTtlMs: state.redis?.leaseTtlMs ?? 5000,
  };
  // ioredis loads on first use, so commands that never touch state (and the file backend) never parse it
  let opened: Promise<RedisState> | undefined;
  const redis = () => (opened ??= import("./redis/backend.js").then((m) => m.openRedisState(options, paths)));
  const untrack = trackOpenBackend(async () => void (opened && (await (await opened).close())));
  const sessions = new Map<string, SessionRepository>();
  const usage = new Map<string, AuthUsageRepository>();
  const channels = new Map<string, ChannelStateStore>();
  const pairings = new Map<string, PairingRepository>();
  let usageStore: UsageRepository | undefined;
  const lists = later(redis, (r) => ({ pairingChannels: () => r.pairingChannels() }));
  return {
    kind: "redis",
    sessions: (agentId) => once(sessions, agentId, () => later(redis, (r) => r.sessions(agentId))),
    authUsage: (agentId) => once(usage, agentId, () => later(redis, (r) => r.authUsage(agentId))),
    channelState: (channelId) => once(channels, channelId, () => later(redis, (r) => r.channelState(channelId))),
    usage: () => (usageStore ??= later(redis, (r) => r.usage())),
    pairing: (channelId) =>
      once(pairings, channelId, () => {
        if (!isValidChannelId(channelId)) throw new Error(`invalid channel id "${channelId}" (letters, digits, - and _)`);
        const stored = later(redis, (r) => r.pairing(channelId));
        return { location: `redis key ${options.keyPrefix}pairing:${channelId}`, read: () => stored.read(), update: (mutate) => stored.update(mutate) };
      }),
    pairingChannels: () => lists.pairingChannels(),
    withLock: async (name, ttlMs, work) => {
      const opened = await redis();
      try {
        await opened.ready();
      } catch (err) {
        throw new StateUnavailableError(err);
      }
      let workFailed = false;
      const tracked = () =>
        work().catch((err: unknown) => {
          workFailed = true;
          throw err;
        });
      try {
        return await opened.withLock(name, ttlMs, tracked);
      } catch (err) {
        throw !workFailed && isConnectionFailure(err) ? new StateUnavailableError(err) : err;
      }
    },
    sessionRun: async (agentId, sessionKey, signal) => {
      const opened = await redis();
      try {
        await opened.ready();
        return await opened.sessionRun(agentId, sessionKey, signal);
      } catch (err) {
        throw isConnectionFailure(err) ? new StateUnavailableError(err) : err;
      }
    },
    connectionLease: (channelId, identity) => {
      // the first attempt waits for the connection (commands never queue while it is not ready)
      const lease = redis().then(async (r) => {
        await r.ready(5000).catch(() => undefined);
        return r.connectionLease(channelId, identity);
      });
      return {
        start: (events) => void lease.then((l) => l.start(events), (err) => events.error?.(err)),
        stop: () => lease.then((l) => l.stop(), () => undefined),
      };
    },
    close: async () => {
      untrack();
      if (opened) await (await opened).close();
    },
  };
}

function once<T>(cache: Map<string, T>, id: string, create: () => T): T {
  let value = cache.get(id);
  if (!value) cache.set(id, (value = create()));
  return value;
}

/**
 * An object whose every method waits for `target` and a usable connection, then calls it (all
 * methods of these interfaces are async). While Redis is unreachable a call fails within a
 * second instead of queueing.
 */
function later<T extends object>(state: () => Promise<RedisState>, target: (state: RedisState) => T): T {
  return new Proxy({} as T, {
    // not a thenable: `await repository` must not call into the target
    get: (_, method) =>
      method === "then"
        ? undefined
        : async (...args: unknown[]) => {
            const opened = await state();
            try {
              await opened.ready();
              return await (target(opened) as any)[method](...args);
            } catch (err) {
              throw isConnectionFailure(err) ? new StateUnavailableError(err) : err;
            }
          },
  });
}

/** The embedded default: everything under the state dir. Repositories are created once per id. */
function fileBackend(paths: BatonPaths): StateBackend {
  const sessions = new Map<string, SessionRepository>();
  const usage = new Map<string, AuthUsageRepository>();
  const channels = new Map<string, ChannelStateStore>();
  let usageStore: UsageRepository | undefined;
  return {
    kind: "file",
    sessions: (agentId) => once(sessions, agentId, () => new FileSessionStore(paths.sessionsDir(agentId))),
    authUsage: (agentId) => once(usage, agentId, () => new FileAuthUsage(paths.authStorePath(agentId))),
    channelState: (channelId) => once(channels, channelId, () => new FileChannelState(paths.pluginStateDir(channelId))),
    usage: () => (usageStore ??= new FileUsageStore(path.join(paths.stateDir, "usage"))),
    pairing: (channelId) => filePairing(paths.stateDir, channelId),
    pairingChannels: async () => pairingChannels(paths.stateDir),
    close: async () => {},
  };
}
