import type { Redis } from "ioredis";
import { assertChannelStateKey, ChannelStateError, type ChannelStateStore } from "../channel-state.js";

/**
 * Redis backend of {@link ChannelStateStore}: one hash per plugin (`channel:<id>`), a field per
 * key. A `set` is one HSET, so it replaces the value atomically; writes of one key are chained
 * in call order like the file backend's.
 */
export class RedisChannelState implements ChannelStateStore {
  private readonly writes = new Map<string, Promise<unknown>>();
  readonly hash: string;

  constructor(
    private readonly redis: Redis,
    channelId: string,
  ) {
    this.hash = `channel:${channelId}`;
  }

  async get(key: string): Promise<unknown> {
    assertChannelStateKey(key);
    await this.writes.get(key)?.catch(() => undefined);
    const text = await this.redis.hget(this.hash, key);
    if (text === null) return undefined;
    try {
      return JSON.parse(text);
    } catch (err: any) {
      throw new ChannelStateError(`redis hash ${this.hash} field ${key}`, `invalid JSON: ${err?.message ?? err}`);
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    assertChannelStateKey(key);
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`channel state ${key}: the value cannot be stored as JSON`);
    await this.chain(key, () => this.redis.hset(this.hash, key, text));
  }

  async delete(key: string): Promise<void> {
    assertChannelStateKey(key);
    await this.chain(key, () => this.redis.hdel(this.hash, key));
  }

  /** Moves the field to `<key>.corrupt-<ms>` in the same hash. */
  async setAside(key: string): Promise<string> {
    assertChannelStateKey(key);
    const target = `${key}.corrupt-${Date.now()}`;
    await this.chain(key, async () => {
      const text = await this.redis.hget(this.hash, key);
      if (text === null) return;
      await this.redis.multi().hset(this.hash, target, text).hdel(this.hash, key).exec();
    });
    return `redis hash ${this.hash} field ${target}`;
  }

  private chain(key: string, write: () => Promise<unknown>): Promise<unknown> {
    const run = (this.writes.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.writes.set(key, run);
    const forget = () => {
      if (this.writes.get(key) === run) this.writes.delete(key);
    };
    run.then(forget, forget);
    return run;
  }
}
