import type { Redis } from "ioredis";

/**
 * A record kept as a hash of `data` (JSON) and `rev` (a counter), written only on the revision
 * the writer read: the compare-and-set the session and pairing stores share. A writer that
 * lost the race reads again and reapplies its change.
 */

/** Sets `data` and bumps `rev` when `rev` is still ARGV[1]; with a second key, adds ARGV[3] to that set too. */
const COMPARE_AND_SET = `
local rev = redis.call('HGET', KEYS[1], 'rev') or '0'
if rev ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'rev', tostring(tonumber(rev) + 1))
if #KEYS > 1 then redis.call('SADD', KEYS[2], ARGV[3]) end
return 1`;

/** How often a write may lose the race before the update gives up. */
export const MAX_CONFLICT_RETRIES = 20;

/** The stored JSON (null when none) and the revision it is at ("0" for none). */
export async function readRevisioned(redis: Redis, key: string): Promise<{ text: string | null; rev: string }> {
  const [text, rev] = await redis.hmget(key, "data", "rev");
  return { text, rev: rev ?? "0" };
}

/** Stores `text` if the record is still at `rev`; `index` names a set to add a member to in the same step. */
export async function writeIfUnchanged(redis: Redis, key: string, rev: string, text: string, index?: { set: string; member: string }): Promise<boolean> {
  const stored = index ? await redis.eval(COMPARE_AND_SET, 2, key, index.set, rev, text, index.member) : await redis.eval(COMPARE_AND_SET, 1, key, rev, text);
  return stored === 1;
}
