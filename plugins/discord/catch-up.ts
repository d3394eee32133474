/**
 * Catch-up bookkeeping (pure): per watched channel, the last message the bot is done with, so
 * that after a restart (or a new gateway session) the messages that came in meanwhile are
 * fetched and answered. A message counts as done once the core settled it `done`; a message
 * cut off by a shutdown (`abandoned`) holds the mark back, so it is fetched again. Messages done
 * past such a hole are remembered (`doneAfter`) so they are not run twice.
 */

/** Discord epoch (2015-01-01T00:00:00Z), the zero of snowflake timestamps. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** How far back and how many messages per channel a catch-up looks. */
export interface CatchUpLimits {
  /** Messages older than this are not answered late (default 15 min). */
  maxAgeMs: number;
  /** Messages per channel per catch-up at most (default 20; Discord's page holds 100). */
  maxMessages: number;
}

export const DEFAULT_CATCH_UP: CatchUpLimits = { maxAgeMs: 15 * 60_000, maxMessages: 20 };

/** Channels remembered at most (the most recently active). */
export const MAX_WATCHED = 50;
/** Ids remembered as done past the mark, per channel. */
const MAX_DONE_AFTER = 50;

/** Where a watched channel is: what the REST history does not say about it. */
export interface WatchedChat {
  chatId: string;
  guildId?: string;
  /** A thread, and its parent channel. */
  parentId?: string;
  isThread?: boolean;
}

/** One watched channel as stored. */
export interface ChannelMark extends WatchedChat {
  /** The last message id up to which every message the bot took is done. */
  last: string;
  /** Messages done after `last` (past one still open or abandoned). */
  doneAfter?: string[];
  /** When the channel last had a message (ms), to keep the most recently active. */
  at: number;
}

/** What `ctx.state` keeps under {@link CATCH_UP_KEY}. */
export interface CatchUpRecord {
  version: 1;
  channels: ChannelMark[];
}

export const CATCH_UP_KEY = "catch-up";

/** Snowflake order: a before b → negative. Non-numeric ids sort first. */
export function compareIds(a: string, b: string): number {
  const x = /^\d+$/.test(a) ? BigInt(a) : -1n;
  const y = /^\d+$/.test(b) ? BigInt(b) : -1n;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The smallest snowflake of a moment: every message sent from `ms` on has a larger id. */
export function snowflakeAt(ms: number): string {
  const since = BigInt(Math.max(0, Math.floor(ms))) - DISCORD_EPOCH;
  return ((since > 0n ? since : 0n) << 22n).toString();
}

/** When a message with this id was sent (ms), from its snowflake. */
export function timeOfId(id: string): number {
  return /^\d+$/.test(id) ? Number((BigInt(id) >> 22n) + DISCORD_EPOCH) : 0;
}

/** The `after` id to fetch a channel's history from: its mark, or `maxAgeMs` ago if that is later. */
export function fetchAfter(mark: ChannelMark, now: number, limits: CatchUpLimits): string {
  const oldest = snowflakeAt(now - limits.maxAgeMs);
  return compareIds(mark.last, oldest) >= 0 ? mark.last : oldest;
}

function isMark(value: unknown): value is ChannelMark {
  const m = value as ChannelMark;
  return typeof m === "object" && m !== null && typeof m.chatId === "string" && /^\d+$/.test(m.last ?? "") && typeof m.at === "number";
}

/** A stored record, or an empty one for anything else (a missing or foreign value). */
export function readRecord(value: unknown): CatchUpRecord {
  const channels = (value as CatchUpRecord | undefined)?.channels;
  if (!Array.isArray(channels)) return { version: 1, channels: [] };
  return {
    version: 1,
    channels: channels.filter(isMark).map((m) => ({ ...m, doneAfter: Array.isArray(m.doneAfter) ? m.doneAfter.filter((id) => typeof id === "string") : undefined })),
  };
}

interface Tracked extends ChannelMark {
  /** Dispatched by this process and not yet settled `done`. */
  open: Set<string>;
}

/**
 * The marks of every watched channel, kept current as messages are dispatched and settled.
 * Methods that change what should be stored return true.
 */
export class CatchUpMarks {
  private readonly chats = new Map<string, Tracked>();

  constructor(record?: CatchUpRecord) {
    for (const mark of record?.channels ?? []) this.chats.set(mark.chatId, { ...mark, open: new Set() });
  }

  /** The watched channels, most recently active first. */
  watched(): ChannelMark[] {
    return [...this.chats.values()].sort((a, b) => b.at - a.at).map(({ open: _open, ...mark }) => mark);
  }

  isWatched(chatId: string): boolean {
    return this.chats.has(chatId);
  }

  /** Was this message handled already (at or before the mark, or done past it)? */
  isDone(chatId: string, id: string): boolean {
    const chat = this.chats.get(chatId);
    if (!chat) return false;
    return compareIds(id, chat.last) <= 0 || (chat.doneAfter ?? []).includes(id);
  }

  /**
   * A message was handed to the core. `watch`: the channel is to be watched from now on (a DM,
   * or the bot was addressed); messages of channels already watched are tracked either way.
   */
  dispatched(chat: WatchedChat, id: string, watch: boolean, now: number): boolean {
    let tracked = this.chats.get(chat.chatId);
    if (!tracked) {
      if (!watch) return false;
      // the mark starts just before this message: earlier history is not the bot's business
      tracked = { ...chat, last: (BigInt(id) - 1n).toString(), at: now, open: new Set() };
      this.chats.set(chat.chatId, tracked);
    }
    tracked.open.add(id);
    tracked.at = now;
    if (chat.guildId) tracked.guildId = chat.guildId;
    if (chat.parentId) tracked.parentId = chat.parentId;
    if (chat.isThread) tracked.isThread = true;
    this.evict();
    return true;
  }

  /** The core is done with a message (`done`), or gave it up to a shutdown (`abandoned`: it stays open). */
  settled(chatId: string, id: string, settlement: "done" | "abandoned"): boolean {
    const chat = this.chats.get(chatId);
    if (!chat || settlement !== "done") return false;
    chat.open.delete(id);
    if (compareIds(id, chat.last) <= 0) return false;
    const done = new Set([...(chat.doneAfter ?? []), id]);
    // the mark moves up to the newest done message below every open one
    const firstOpen = [...chat.open].sort(compareIds)[0];
    const sorted = [...done].sort(compareIds);
    for (const doneId of sorted) {
      if (firstOpen !== undefined && compareIds(doneId, firstOpen) > 0) break;
      chat.last = doneId;
      done.delete(doneId);
    }
    const rest = [...done].sort(compareIds).slice(-MAX_DONE_AFTER);
    if (rest.length) chat.doneAfter = rest;
    else delete chat.doneAfter;
    return true;
  }

  /** Stops watching a channel the bot can no longer read (deleted, access lost). */
  forget(chatId: string): boolean {
    return this.chats.delete(chatId);
  }

  record(): CatchUpRecord {
    return { version: 1, channels: this.watched() };
  }

  private evict(): void {
    if (this.chats.size <= MAX_WATCHED) return;
    const oldest = [...this.chats.values()].sort((a, b) => a.at - b.at).slice(0, this.chats.size - MAX_WATCHED);
    for (const chat of oldest) this.chats.delete(chat.chatId);
  }
}
