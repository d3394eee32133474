import { Redis } from "ioredis";

export interface RedisConnectionOptions {
  url: string;
  /** Prepended to every key Baton writes (config `state.redis.keyPrefix`, default "baton:"). */
  keyPrefix: string;
  /** A command that takes longer fails (ms). Short: the turn path must not hang on a stuck server. */
  commandTimeoutMs?: number;
  /** For the server's client list and logs. */
  name?: string;
}

/**
 * A client that fails fast instead of queueing while Redis is unreachable (`enableOfflineQueue:
 * false`, one try per command, a short command timeout) and reconnects in the background with
 * a capped backoff. Callers decide what a failed command means (DESIGN.md §13).
 */
export function openRedis(options: RedisConnectionOptions): Redis {
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    connectionName: options.name,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1000),
    lazyConnect: false,
  });
  // ioredis emits "error" on every failed reconnect; without a listener Node would throw
  client.on("error", () => {});
  return client;
}

/** Resolves once the client can take commands (or rejects after `timeoutMs`). */
export function ready(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`Redis not reachable within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => finish();
    const onEnd = () => finish(new Error("Redis connection closed"));
    function finish(err?: Error) {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("end", onEnd);
      if (err) reject(err);
      else resolve();
    }
    client.once("ready", onReady);
    client.once("end", onEnd);
  });
}
