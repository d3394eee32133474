import type { Redis } from "ioredis";
import { parsePairing, PairingStoreError } from "../../pairing/store.js";
import { emptyPairing, type PairingData } from "../../pairing/requests.js";
import type { PairingRepository } from "../pairing.js";

/** Which channels have pairing data (for `baton pairing list`). */
export const PAIRING_CHANNELS_KEY = "pairing:channels";

/** Sets `data` and bumps `rev` only when `rev` is still what the caller read; records the channel. */
const COMPARE_AND_SET = `
local rev = redis.call('HGET', KEYS[1], 'rev') or '0'
if rev ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'rev', tostring(tonumber(rev) + 1))
redis.call('SADD', KEYS[2], ARGV[3])
return 1`;

const MAX_CONFLICT_RETRIES = 20;

/**
 * Redis backend of {@link PairingRepository}: one hash per channel (`pairing:<channel>`: `data`
 * JSON as the file holds it, `rev` counter). A write lands only on the revision it read, else
 * the change runs again on the newer data, so the gateways' new requests and `baton pairing
 * approve` never lose each other's writes and the 3-pending cap holds across processes.
 */
export class RedisPairing implements PairingRepository {
  readonly key: string;
  readonly location: string;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
  ) {
    this.key = `pairing:${channel}`;
    this.location = `redis key ${redis.options.keyPrefix ?? ""}${this.key}`;
  }

  async read(): Promise<PairingData> {
    return (await this.readRevision()).data;
  }

  private async readRevision(): Promise<{ data: PairingData; rev: string }> {
    const [text, rev] = await this.redis.hmget(this.key, "data", "rev");
    if (text === null) return { data: emptyPairing(), rev: rev ?? "0" };
    return { data: parsePairing(this.location, text), rev: rev ?? "0" };
  }

  async update<T>(mutate: (data: PairingData) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const { data, rev } = await this.readRevision();
      const before = JSON.stringify(data);
      const result = mutate(data);
      const after = JSON.stringify(data);
      if (after === before) return result;
      if ((await this.redis.eval(COMPARE_AND_SET, 2, this.key, PAIRING_CHANNELS_KEY, rev, after, this.channel)) === 1) return result;
      if (attempt >= MAX_CONFLICT_RETRIES) throw new PairingStoreError(this.location, "too many concurrent writers");
    }
  }
}

/** Channels with pairing data in Redis, sorted. */
export async function redisPairingChannels(redis: Redis): Promise<string[]> {
  return (await redis.smembers(PAIRING_CHANNELS_KEY)).sort();
}
