/**
 * The raw Telegram updates this bot has taken from Telegram but the core has not finished
 * with, kept under the channel state key `pending` (`<state>/channels/telegram/pending.json`
 * with the file backend) so that a restart (after a crash too) hands them to the core again
 * instead of losing them.
 *
 * The value holds the whole journal, replaced atomically and durably (`ctx.state`) on every
 * change; writes are coalesced (at most one in flight, always of the latest state).
 * `add` resolves only once the updates are on disk, which is what lets the caller confirm them
 * to Telegram afterwards. The file also keeps the highest update id ever journaled, so that
 * long polling can resume after it even when `offset.json` lags behind.
 *
 * @example
 * const journal = new PendingJournal(ctx.state, log);
 * await journal.load();
 * for (const update of journal.updates()) replay(update);
 * await journal.add(batch); // before the next getUpdates confirms `batch`
 * journal.remove(batch[0].update_id); // once the core has answered it
 */
import type { Update } from "grammy/types";
import type { ChannelStore, Logger } from "../../src/plugin-api.js";

const KEY = "pending";

/** What the `pending` value (`pending.json`) holds. */
export interface JournalFile {
  version: 1;
  /** The highest update id ever journaled (kept after the update is removed). */
  lastUpdateId?: number;
  /** Oldest first. */
  updates: Update[];
}

export const DEFAULT_JOURNAL_CAPACITY = 1000;

const isUpdateId = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value);

/** Checks the shape of a parsed `pending.json`; throws saying what is wrong. */
export function parseJournalFile(data: unknown): JournalFile {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("not a JSON object");
  const { version, lastUpdateId, updates } = data as Record<string, unknown>;
  if (version !== 1) throw new Error(`unknown version ${JSON.stringify(version)}`);
  if (lastUpdateId !== undefined && !isUpdateId(lastUpdateId)) throw new Error("lastUpdateId is not an integer");
  if (!Array.isArray(updates)) throw new Error("updates is not an array");
  updates.forEach((update: unknown, i) => {
    if (typeof update !== "object" || update === null || !isUpdateId((update as { update_id?: unknown }).update_id)) {
      throw new Error(`updates[${i}] has no integer update_id`);
    }
  });
  return { version, ...(lastUpdateId !== undefined ? { lastUpdateId } : {}), updates: updates as Update[] };
}

export class PendingJournal {
  /** By update id, in insertion order (ids arrive increasing, so oldest first). */
  private readonly entries = new Map<number, Update>();
  private highest?: number;
  private frozen = false;
  /** Changes made so far, and how many of them the last finished write covered (written or failed). */
  private changes = 0;
  private written = 0;
  private writing?: Promise<void>;
  /** The outcome of the newest finished write. */
  private lastWrite: { covers: number; error?: Error } = { covers: 0 };

  constructor(
    private readonly state: ChannelStore,
    private readonly log: Logger,
    private readonly capacity = DEFAULT_JOURNAL_CAPACITY,
  ) {}

  /**
   * Reads the journal. A damaged one is logged and set aside (`pending.json.corrupt-<ms>` with
   * the file backend) and the journal starts empty; when it cannot even be set aside, this
   * throws rather than overwrite it.
   */
  async load(): Promise<void> {
    let file: JournalFile | undefined;
    try {
      const data = await this.state.get(KEY);
      if (data !== undefined) file = parseJournalFile(data);
    } catch (err) {
      const reason = (err as Error).message;
      let aside: string;
      try {
        aside = await this.state.setAside(KEY);
      } catch (moveErr) {
        throw new Error(`the pending-update journal is damaged (${reason}) and could not be set aside: ${(moveErr as Error).message}`);
      }
      this.log.error("telegram: the pending-update journal was damaged; moved aside, messages in it are not replayed", {
        path: aside.replace(/\.corrupt-\d+$/, ""), // where it was
        movedTo: aside,
        error: reason,
      });
      return;
    }
    if (!file) return;
    this.highest = file.lastUpdateId;
    for (const update of [...file.updates].sort((a, b) => a.update_id - b.update_id)) {
      this.entries.set(update.update_id, update);
      this.highest = Math.max(this.highest ?? update.update_id, update.update_id);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The highest update id ever journaled, or undefined for a new journal. */
  get lastUpdateId(): number | undefined {
    return this.highest;
  }

  has(updateId: number): boolean {
    return this.entries.has(updateId);
  }

  /** The journaled updates, in update_id order. */
  updates(): Update[] {
    return [...this.entries.values()].sort((a, b) => a.update_id - b.update_id);
  }

  /**
   * Journals the updates not journaled yet and resolves once they are stored. When they cannot
   * be stored (disk full, a state backend out of reach) it rejects and forgets them, so the
   * caller does not confirm them: they wait at Telegram and come again with the next fetch.
   */
  async add(updates: readonly Update[]): Promise<void> {
    const fresh = updates.filter((u) => !this.entries.has(u.update_id));
    if (fresh.length === 0) return;
    const highestBefore = this.highest;
    for (const update of fresh) {
      this.entries.set(update.update_id, update);
      this.highest = Math.max(this.highest ?? update.update_id, update.update_id);
    }
    this.dropOverflow();
    const change = ++this.changes;
    await this.persist(change);
    if (this.lastWrite.error && this.lastWrite.covers >= change) {
      for (const update of fresh) this.entries.delete(update.update_id);
      this.highest = highestBefore;
      this.changes++;
      throw new Error(`the pending-update journal could not be saved: ${this.lastWrite.error.message}`);
    }
  }

  /** Forgets an update the core has finished with (written in the background). Ignored once frozen. */
  remove(updateId: number): void {
    if (this.frozen || !this.entries.delete(updateId)) return;
    this.changes++;
    this.writeLatest();
  }

  /**
   * Stops removing: from now on the journal keeps what it holds. Called when the plugin stops,
   * because a message the core lets go of during shutdown (a dropped queue, an aborted turn)
   * was not answered and must be replayed on the next start.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** Resolves once every change so far is on disk (or its write failed and was logged). */
  async flush(): Promise<void> {
    await this.persist(this.changes);
  }

  private dropOverflow(): void {
    const excess = this.entries.size - this.capacity;
    if (excess <= 0) return;
    const dropped = [...this.entries.keys()].sort((a, b) => a - b).slice(0, excess);
    for (const id of dropped) this.entries.delete(id);
    this.log.warn("telegram: too many unanswered updates; the oldest are no longer kept for a restart", {
      capacity: this.capacity,
      dropped: dropped.length,
      updateIds: dropped.slice(0, 10),
    });
  }

  private async persist(target: number): Promise<void> {
    while (this.written < target) {
      this.writeLatest();
      await this.writing;
    }
  }

  private writeLatest(): void {
    if (this.writing || this.written === this.changes) return;
    const covers = this.changes;
    const file: JournalFile = {
      version: 1,
      ...(this.highest !== undefined ? { lastUpdateId: this.highest } : {}),
      updates: this.updates(),
    };
    this.writing = this.state
      .set(KEY, file)
      .then(
        () => void (this.lastWrite = { covers }),
        (err: Error) => {
          this.lastWrite = { covers, error: err };
          this.log.warn("telegram: could not save the pending-update journal", { error: err.message });
        },
      )
      .finally(() => {
        this.written = covers;
        this.writing = undefined;
        this.writeLatest(); // changes made meanwhile
      });
  }
}
