import type { Redis } from "ioredis";
import { USAGE_DAY, type UsageQueryResult, type UsageRepository, type UsageRow } from "../usage.js";

/** Sums each row's amounts into its field of the day's hash, in one atomic step. */
const ADD = `
redis.call('SADD', KEYS[2], ARGV[1])
for i = 2, #ARGV, 2 do
  local add = cjson.decode(ARGV[i + 1])
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if current then
    local row = cjson.decode(current)
    for k, v in pairs(add) do
      if type(v) == 'number' then row[k] = (row[k] or 0) + v end
    end
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(row))
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1`;

const AMOUNTS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "turns", "costUsd", "unpricedTurns"] as const;

/**
 * Redis backend of {@link UsageRepository}: a hash per UTC day (`usage:<day>`, a field per
 * (agent, session, sender, model, profile) holding the row as JSON) and the set of days
 * (`usage:days`). Adding sums inside Redis, so any number of gateways lose nothing.
 */
export class RedisUsageStore implements UsageRepository {
  constructor(private readonly redis: Redis) {}

  async add(rows: readonly UsageRow[]): Promise<void> {
    const byDay = new Map<string, UsageRow[]>();
    for (const row of rows) {
      if (!USAGE_DAY.test(row.day)) throw new TypeError(`invalid usage day ${JSON.stringify(row.day)} (YYYY-MM-DD)`);
      byDay.set(row.day, [...(byDay.get(row.day) ?? []), row]);
    }
    for (const [day, list] of byDay) {
      const args = list.flatMap((row) => [fieldOf(row), JSON.stringify(row)]);
      await this.redis.eval(ADD, 2, `usage:${day}`, "usage:days", day, ...args);
    }
  }

  async query(range: { from?: string; to?: string } = {}): Promise<UsageQueryResult> {
    const days = (await this.redis.smembers("usage:days")).filter((day) => (!range.from || day >= range.from) && (!range.to || day <= range.to)).sort();
    const result: UsageQueryResult = { rows: [], unreadable: [] };
    for (const day of days) {
      const fields = await this.redis.hgetall(`usage:${day}`);
      for (const text of Object.values(fields)) {
        try {
          const row = JSON.parse(text) as UsageRow;
          for (const amount of AMOUNTS) row[amount] = Number(row[amount] ?? 0);
          result.rows.push({ ...row, day });
        } catch (err) {
          result.unreadable.push({ day, location: `redis hash usage:${day}`, reason: err instanceof Error ? err.message : String(err) });
          break;
        }
      }
    }
    return result;
  }

  async prune(before: string): Promise<number> {
    const days = (await this.redis.smembers("usage:days")).filter((day) => day < before);
    for (const day of days) await this.redis.multi().del(`usage:${day}`).srem("usage:days", day).exec();
    return days.length;
  }
}

function fieldOf(row: UsageRow): string {
  return JSON.stringify([row.agentId, row.sessionKey, row.sender, row.model, row.profileId]);
}
