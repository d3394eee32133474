import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir } from "../../config/runtime.js";
import { writeFileAtomic } from "../../util/atomic-file.js";
import { emptyUsage, newSession, SessionStoreError, type SessionData, type SessionRepository } from "../sessions.js";

const SESSION_CACHE_SIZE = 2000;

/**
 * Embedded file backend of {@link SessionRepository}: one JSON file per session under
 * `<state>/agents/<id>/sessions/`, written atomically (0600). Updates of one session are
 * serialized in-process. Reads stat the file synchronously (a few µs) and re-parse it only
 * when its mtime changed, so a session written by another process is seen.
 */
export class FileSessionStore implements SessionRepository {
  /** Parsed sessions with the file mtime they were read at. */
  private readonly cache = new Map<string, { data: SessionData; mtimeMs: number }>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The directory was created/tightened once; not re-checked on every turn. */
  private dirReady = false;

  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps the most recently used sessions parsed; a bot with many chats does not hold them all. */
  private remember(key: string, entry: { data: SessionData; mtimeMs: number }): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > SESSION_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
  }

  fileFor(key: string): string {
    return path.join(this.dir, `${encodeURIComponent(key)}.json`);
  }

  async get(key: string): Promise<SessionData> {
    return this.read(key);
  }

  private read(key: string): SessionData {
    const file = this.fileFor(key);
    let mtimeMs: number;
    let text: string;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
      const cached = this.cache.get(key);
      if (cached && cached.mtimeMs === mtimeMs) {
        this.remember(key, cached);
        return cached.data;
      }
      text = fs.readFileSync(file, "utf8");
    } catch (err: any) {
      if (err?.code === "ENOENT") return newSession(key, this.now());
      throw new SessionStoreError(file, err?.message ?? String(err));
    }
    let data: SessionData;
    try {
      data = JSON.parse(text);
    } catch (err: any) {
      throw new SessionStoreError(file, `invalid JSON: ${err?.message ?? err}`);
    }
    if (!data || typeof data !== "object" || !Array.isArray(data.history)) throw new SessionStoreError(file, "not a session object");
    data.usage = { ...emptyUsage(), ...data.usage };
    this.remember(key, { data, mtimeMs });
    return data;
  }

  async update<T>(key: string, mutate: (session: SessionData) => T | Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      const session = structuredClone(this.read(key));
      const result = await mutate(session);
      session.updatedAt = this.now();
      await this.write(session);
      return result;
    });
    this.locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === run) this.locks.delete(key);
    }
  }

  private async write(session: SessionData): Promise<void> {
    if (!this.dirReady) {
      ensurePrivateDir(this.dir);
      this.dirReady = true;
    }
    const file = this.fileFor(session.key);
    // atomic but not fsynced: a power cut may lose the newest turn, never corrupt the file (docs/OPERATIONS.md)
    await writeFileAtomic(file, `${JSON.stringify(session)}\n`, 0o600, { durable: false });
    this.remember(session.key, { data: session, mtimeMs: fs.statSync(file).mtimeMs });
  }
}
