import { Client, DefaultRestOptions, GatewayIntentBits, Partials, type RESTOptions } from "discord.js";
import { IntervalIdentifyThrottler } from "./identify-throttle.js";
import { linkedSignal } from "./signals.js";

export interface ClientOptions {
  /** REST base (`channels.discord.apiRoot`); Discord's when undefined. */
  apiRoot?: string;
  /** Aborts every REST call in flight when the plugin instance ends (a hung request included). */
  lifetime: AbortSignal;
  /** Pause between IDENTIFYs; discord.js's 5 s throttler when undefined. */
  identifyIntervalMs?: number;
  /** `channels.discord.shards`: which shards this process runs, of how many; one shard when undefined. */
  shards?: { count: number; ids?: number[] } | "auto";
}

/** discord.js's `shards` and `shardCount` options for a `channels.discord.shards` setting. */
export function shardOptions(shards: ClientOptions["shards"]): { shards?: number[] | "auto"; shardCount?: number } {
  if (shards === undefined) return {};
  if (shards === "auto") return { shards: "auto" };
  return { shards: shards.ids ?? Array.from({ length: shards.count }, (_, i) => i), shardCount: shards.count };
}

/**
 * The discord.js client the plugin runs: guild messages, DMs and message content; no pings
 * by default; REST calls end with the plugin instance, so a failed or stopped instance
 * leaves no request (and no timer of one) behind; a 429 that says no wait fails the call.
 */
export function createClient({ apiRoot, lifetime, identifyIntervalMs, shards }: ClientOptions): Client {
  const makeRequest: RESTOptions["makeRequest"] = async (url, init) => {
    const linked = linkedSignal(lifetime, (init.signal as AbortSignal | null | undefined) ?? undefined);
    try {
      return await DefaultRestOptions.makeRequest(url, { ...init, signal: linked.signal as typeof init.signal });
    } finally {
      linked.dispose();
    }
  };
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    // A 429 without Retry-After (Discord always sends one; a proxy may not) would be retried at
    // once, in a loop, until the request's deadline: it is an error instead.
    rest: { makeRequest, rejectOnRateLimit: (limit) => limit.retryAfter <= 0, ...(apiRoot ? { api: apiRoot } : {}) },
    ...(identifyIntervalMs !== undefined ? { ws: { buildIdentifyThrottler: () => new IntervalIdentifyThrottler(identifyIntervalMs) } } : {}),
    ...shardOptions(shards),
  });
}
