import type { ChatTurnMessage, Usage } from "../providers/types.js";

/**
 * Session records and the repository that keeps them. The repository stores and loads whole
 * records; what may change in one (model, pin, history) is decided by
 * `src/sessions/service.ts`, the only caller that writes.
 */

export interface StoredMessage extends ChatTurnMessage {
  /** Text only: images are kept as a reference (`[image: image/jpeg, 123 KB]`), never their bytes. */
  content: string;
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
  /**
   * Streamed replies not yet delivered: the platform message they answer -> the preview message
   * showing the unfinished text, so a run after a restart edits it instead of adding a message.
   */
  previews?: { messageId: string; previewId: string }[];
  usage: SessionUsage;
  createdAt: number;
  updatedAt: number;
}

export interface SessionRepository {
  /**
   * The session, or a fresh empty one when none is stored. Rejects with
   * {@link SessionStoreError} when a stored record cannot be read: it is never treated as empty.
   * Callers must not mutate the result.
   */
  get(key: string): Promise<SessionData>;
  /**
   * Read-modify-write of one session: `mutate` edits a private copy, which is then stored
   * (with `updatedAt` set). Updates of one key run one after another; a failed read rejects
   * before `mutate` runs and nothing is written.
   */
  update<T>(key: string, mutate: (session: SessionData) => T | Promise<T>): Promise<T>;
}

/** A stored session that exists but cannot be read; it is left untouched. */
export class SessionStoreError extends Error {
  /** `location`: where the record lives (a file path, a key), for the operator. */
  constructor(
    readonly location: string,
    reason: string,
  ) {
    super(`Session file ${location} is unreadable (${reason}); it was left untouched. Move it aside to start this session fresh.`);
    this.name = "SessionStoreError";
  }
}

export function emptyUsage(): SessionUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, turns: 0 };
}

export function newSession(key: string, now: number): SessionData {
  return { key, history: [], usage: emptyUsage(), createdAt: now, updatedAt: now };
}
