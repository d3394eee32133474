import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir } from "../config/runtime.js";
import { writeFileAtomic } from "../util/atomic-file.js";
import type { ChatTurnMessage, Usage } from "../providers/types.js";

export interface StoredMessage extends ChatTurnMessage {
  ts: number;
  /** User messages: the platform message this turn answered, so a replayed message is not run again. */
  messageId?: string;
  /** Assistant messages: how many reply parts reached the chat (a replay sends the rest). */
  delivered?: number;
}

export interface SessionUsage extends Usage {
  turns: number;
}

export interface SessionData {
  key: string;
  /** provider/model chosen with /model; absent = inherit (parent session, then agent default). */
  modelOverride?: string;
  pinnedProfileId?: string;
  /** Sender id of whoever pinned the profile. */
  pinnedBy?: string;
  history: StoredMessage[];
  usage: SessionUsage;
  createdAt: number;
  updatedAt: number;
}

/** A session file that exists but cannot be read; it is left untouched. */
export class SessionStoreError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`Session file ${file} is unreadable (${reason}); it was left untouched. Move it aside to start this session fresh.`);
    this.name = "SessionStoreError";
  }
}

const SESSION_CACHE_SIZE = 2000;

export function emptyUsage(): SessionUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, turns: 0 };
}

function newSession(key: string, now: number): SessionData {
  return { key, history: [], usage: emptyUsage(), createdAt: now, updatedAt: now };
}

/**
 * Embedded file backend: one JSON file per session under `<state>/agents/<id>/sessions/`.
 * Updates of one session are serialized in-process; files are written atomically (0600).
 */
export class SessionStore {
  /** Parsed sessions with the file mtime they were read at, so writes by other processes are seen. */
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

  /** The session, or a fresh one when none is stored. Throws SessionStoreError on a corrupt file. */
  get(key: string): SessionData {
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

  /** Read-modify-write of one session; concurrent updates of the same key run one after another. */
  async update<T>(key: string, mutate: (session: SessionData) => T | Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      const session = structuredClone(this.get(key));
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
