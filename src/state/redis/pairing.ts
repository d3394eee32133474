import type { Redis } from "ioredis";
import { parsePairing, PairingStoreError } from "../../pairing/store.js";
import { emptyPairing, type PairingData } from "../../pairing/requests.js";
import type { PairingRepository } from "../pairing.js";
import { MAX_CONFLICT_RETRIES, readRevisioned, writeIfUnchanged } from "./revisioned.js";

/** Which channels have pairing data (for `baton pairing list`). */
export const PAIRING_CHANNELS_KEY = "pairing:channels";

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
    const { text, rev } = await readRevisioned(this.redis, this.key);
    return { data: text === null ? emptyPairing() : parsePairing(this.location, text), rev };
  }

  async update<T>(mutate: (data: PairingData) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const { data, rev } = await this.readRevision();
      const before = JSON.stringify(data);
      const result = mutate(data);
      const after = JSON.stringify(data);
      if (after === before) return result;
      if (await writeIfUnchanged(this.redis, this.key, rev, after, { set: PAIRING_CHANNELS_KEY, member: this.channel })) return result;
      if (attempt >= MAX_CONFLICT_RETRIES) throw new PairingStoreError(this.location, "too many concurrent writers");
    }
  }
}

/** Channels with pairing data in Redis, sorted. */
export async function redisPairingChannels(redis: Redis): Promise<string[]> {
  return (await redis.smembers(PAIRING_CHANNELS_KEY)).sort();
}
