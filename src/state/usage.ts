import type { Usage } from "../providers/types.js";

/**
 * Token usage and estimated cost, rolled up per UTC day and per (agent, session, sender, model,
 * profile): one row per combination and day, however many turns it took, so the store stays
 * small. What a turn adds and when it is written is decided by `src/usage/recorder.ts`; a
 * backend only sums rows atomically, so every backend gives the same totals.
 */

/** The dimensions a day's usage is rolled up by. */
export interface UsageKey {
  agentId: string;
  sessionKey: string;
  /** `<channel>:<senderId>`; "" for a turn without a chat sender (`baton agent`). */
  sender: string;
  /** provider/model that answered. */
  model: string;
  profileId: string;
}

export interface UsageAmounts extends Usage {
  turns: number;
  /** Estimated USD of the priced turns. */
  costUsd: number;
  /** Turns whose model had no price: their cost is unknown and not part of `costUsd`. */
  unpricedTurns: number;
}

export interface UsageRow extends UsageKey, UsageAmounts {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
}

/** A stored day that cannot be read: it is reported and left untouched. */
export interface UnreadableUsageDay {
  day: string;
  location: string;
  reason: string;
}

export interface UsageQueryResult {
  rows: UsageRow[];
  /** Days in the range that could not be read (their rows are missing from `rows`). */
  unreadable: UnreadableUsageDay[];
}

export interface UsageRepository {
  /**
   * Adds the rows to their days' roll-ups: amounts of a row whose day and key are stored
   * already are summed into it. Each day is updated atomically, and writers in other processes
   * lose nothing. Rejects with {@link UsageStoreError} when a day's stored roll-up cannot be read
   * (then nothing of that day is written; other days may have been).
   */
  add(rows: readonly UsageRow[]): Promise<void>;
  /** Every stored row of the days `from` to `to` (inclusive, `YYYY-MM-DD`; open-ended when absent). */
  query(range?: { from?: string; to?: string }): Promise<UsageQueryResult>;
  /** Deletes the days before `before` (`YYYY-MM-DD`); resolves to how many were deleted. */
  prune(before: string): Promise<number>;
}

/** `YYYY-MM-DD` */
export const USAGE_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day's stored roll-up that cannot be read or written; it was left as it is. */
export class UsageStoreError extends Error {
  constructor(
    readonly location: string,
    readonly reason: string,
  ) {
    super(`Usage file ${location} is unreadable (${reason}); it was left untouched. Move it aside to record that day afresh.`);
    this.name = "UsageStoreError";
  }
}

/** Zero amounts. */
export function emptyAmounts(): UsageAmounts {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, turns: 0, costUsd: 0, unpricedTurns: 0 };
}

/** Adds `b` into `a` (mutates and returns `a`). */
export function addAmounts<T extends UsageAmounts>(a: T, b: UsageAmounts): T {
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  a.cacheReadTokens += b.cacheReadTokens;
  a.cacheWriteTokens += b.cacheWriteTokens;
  a.turns += b.turns;
  a.costUsd += b.costUsd;
  a.unpricedTurns += b.unpricedTurns;
  return a;
}

/** One string per (day, key), for maps of rows. */
export function usageRowId(row: UsageKey & { day: string }): string {
  return JSON.stringify([row.day, row.agentId, row.sessionKey, row.sender, row.model, row.profileId]);
}
