import type { Redis } from "ioredis";
import { freshStats } from "../../auth/cooldown.js";
import type { ProfileUsageStats } from "../../auth/types.js";
import type { AuthUsageRepository, UsageSnapshot } from "../auth-usage.js";
import { ready } from "./connection.js";
import { MAX_CONFLICT_RETRIES } from "./revisioned.js";

/** Writes a profile's stats only on the revision the caller read, then tells every process. */
const COMPARE_AND_SET = `
local rev = redis.call('HGET', KEYS[1], 'r:' .. ARGV[1]) or '0'
if rev ~= ARGV[2] then return 0 end
local next = tostring(tonumber(rev) + 1)
redis.call('HSET', KEYS[1], 's:' .. ARGV[1], ARGV[3], 'r:' .. ARGV[1], next)
redis.call('PUBLISH', KEYS[2], ARGV[1] .. '\\n' .. next .. '\\n' .. ARGV[3])
return tonumber(next)`;

export interface RedisAuthUsageOptions {
  redis: Redis;
  /** A second connection in subscriber mode (one per process, shared by every agent). */
  subscriber: Redis;
  agentId: string;
  /** Whether a profile exists (its credential lives in the agent's auth store); unknown ones are not written. */
  knowsProfile(profileId: string): Promise<boolean>;
}

/**
 * Redis backend of {@link AuthUsageRepository}: one hash per agent (`authusage:<agentId>`,
 * fields `s:<profileId>` JSON stats and `r:<profileId>` revision). `snapshot()` answers from
 * memory: loaded once, then kept current by this process's own writes and by a pub/sub message
 * for every write anywhere, so the turn path adds no Redis round trip and a cooldown recorded by
 * one gateway is honoured by the others as soon as the message arrives. After a reconnect the
 * whole hash is read again (messages sent meanwhile were missed).
 */
export class RedisAuthUsage implements AuthUsageRepository {
  private stats: Record<string, ProfileUsageStats> = {};
  /** The revision each profile's stats in memory are at: an older message never overwrites newer stats. */
  private revs = new Map<string, number>();
  private loaded: Promise<void> | undefined;
  readonly hash: string;
  readonly channel: string;

  constructor(private readonly options: RedisAuthUsageOptions) {
    this.hash = `authusage:${options.agentId}`;
    this.channel = `${options.redis.options.keyPrefix ?? ""}authusage:${options.agentId}`;
    options.subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.apply(message);
    });
    options.subscriber.on("ready", () => {
      // messages published while this process was away are lost: read everything again
      if (!this.loaded) return;
      const reload = this.load();
      // a failed reload (the command connection not back yet) is seen and retried by the next snapshot
      reload.catch(() => undefined);
      this.loaded = reload;
    });
  }

  async snapshot(): Promise<UsageSnapshot> {
    this.loaded ??= this.start();
    try {
      await this.loaded;
    } catch (err) {
      this.loaded = undefined;
      throw err;
    }
    return this.stats;
  }

  async update(profileId: string, change: (current: ProfileUsageStats) => ProfileUsageStats): Promise<ProfileUsageStats | undefined> {
    if (!(await this.options.knowsProfile(profileId))) return undefined;
    const { redis } = this.options;
    for (let attempt = 0; ; attempt++) {
      const [text, rev] = await redis.hmget(this.hash, `s:${profileId}`, `r:${profileId}`);
      const current = text === null ? freshStats() : parseStats(text);
      const updated = change(current);
      const json = JSON.stringify(updated);
      const stored = (await redis.eval(COMPARE_AND_SET, 2, this.hash, `authusage:${this.options.agentId}`, profileId, rev ?? "0", json)) as number;
      if (stored > 0) {
        this.remember(profileId, stored, updated);
        return updated;
      }
      if (attempt >= MAX_CONFLICT_RETRIES) throw new Error(`auth usage of ${profileId}: too many concurrent writers`);
    }
  }

  private async start(): Promise<void> {
    await ready(this.options.subscriber, 2000);
    await this.options.subscriber.subscribe(this.channel);
    await this.load();
  }

  private async load(): Promise<void> {
    const all = await this.options.redis.hgetall(this.hash);
    const stats: Record<string, ProfileUsageStats> = {};
    const revs = new Map<string, number>();
    for (const [field, text] of Object.entries(all)) {
      if (!field.startsWith("s:")) continue;
      const profileId = field.slice(2);
      try {
        stats[profileId] = parseStats(text);
        revs.set(profileId, Number(all[`r:${profileId}`] ?? 0));
      } catch {
        // one unreadable record must not hide the others; it is rewritten by the next update
      }
    }
    this.stats = stats;
    this.revs = revs;
  }

  private remember(profileId: string, rev: number, stats: ProfileUsageStats): void {
    if ((this.revs.get(profileId) ?? 0) >= rev) return;
    this.revs.set(profileId, rev);
    this.stats = { ...this.stats, [profileId]: stats };
  }

  private apply(message: string): void {
    const first = message.indexOf("\n");
    const second = message.indexOf("\n", first + 1);
    if (first < 0 || second < 0) return;
    try {
      this.remember(message.slice(0, first), Number(message.slice(first + 1, second)), parseStats(message.slice(second + 1)));
    } catch {
      // a malformed message from a foreign writer: ignored, the next load corrects it
    }
  }
}

function parseStats(text: string): ProfileUsageStats {
  const value = JSON.parse(text);
  if (!value || typeof value !== "object") throw new Error("not a stats object");
  return { ...freshStats(), ...value };
}
