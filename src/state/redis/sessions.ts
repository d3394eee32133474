import type { Redis } from "ioredis";
import { MAX_CONFLICT_RETRIES, readRevisioned, writeIfUnchanged } from "./revisioned.js";
import { emptyUsage, newSession, SessionStoreError, type SessionData, type SessionRepository } from "../sessions.js";

/**
 * Redis backend of {@link SessionRepository}: one hash per session (`data` JSON, `rev`
 * counter) at `session:<agentId>:<key>`. Updates in this process run one after another per key;
 * across processes a write lands only on the revision it read, else the update runs again on
 * the newer record (so `mutate` may run more than once; SessionService's mutations are pure).
 */
export class RedisSessionStore implements SessionRepository {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    readonly agentId: string,
    private readonly now: () => number = Date.now,
  ) {}

  keyFor(key: string): string {
    return `session:${this.agentId}:${key}`;
  }

  async get(key: string): Promise<SessionData> {
    return (await this.read(key)).data;
  }

  private async read(key: string): Promise<{ data: SessionData; rev: string }> {
    const { text, rev } = await readRevisioned(this.redis, this.keyFor(key));
    if (text === null) return { data: newSession(key, this.now()), rev };
    let data: SessionData;
    try {
      data = JSON.parse(text);
    } catch (err: any) {
      throw new SessionStoreError(this.location(key), `invalid JSON: ${err?.message ?? err}`);
    }
    if (!data || typeof data !== "object" || !Array.isArray(data.history)) throw new SessionStoreError(this.location(key), "not a session object");
    data.usage = { ...emptyUsage(), ...data.usage };
    return { data, rev };
  }

  private location(key: string): string {
    return `redis key ${this.redis.options.keyPrefix ?? ""}${this.keyFor(key)}`;
  }

  async update<T>(key: string, mutate: (session: SessionData) => T | Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      for (let attempt = 0; ; attempt++) {
        const { data, rev } = await this.read(key);
        const session = structuredClone(data);
        const result = await mutate(session);
        session.updatedAt = this.now();
        if (await writeIfUnchanged(this.redis, this.keyFor(key), rev, JSON.stringify(session))) return result;
        if (attempt >= MAX_CONFLICT_RETRIES) throw new Error(`session ${key}: too many concurrent writers`);
      }
    });
    this.locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === run) this.locks.delete(key);
    }
  }
}
