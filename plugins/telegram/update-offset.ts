/**
 * The id of the last update this bot handled, kept under the channel state key `offset`
 * (`<state>/channels/telegram/offset.json` with the file backend).
 *
 * Telegram forgets an update once getUpdates is called with a higher `offset`. A
 * process that stops after handling an update but before its next getUpdates would
 * be sent that update again on restart; starting from the stored id + 1 confirms it
 * instead. Writes are coalesced: at most one in flight, always of the latest id.
 */
import type { ChannelStore, Logger } from "../../src/plugin-api.js";

const KEY = "offset";

export class UpdateOffsetStore {
  private lastUpdateId?: number;
  private savedUpdateId?: number;
  private failedUpdateId?: number;
  private writing?: Promise<void>;

  constructor(
    private readonly state: ChannelStore,
    private readonly log: Logger,
  ) {}

  /** Reads the stored id. A damaged file is reported and ignored: the worst case is a re-delivered update. */
  async load(): Promise<void> {
    try {
      const data = (await this.state.get(KEY)) as { lastUpdateId?: unknown } | undefined;
      if (data === undefined) return;
      if (typeof data !== "object" || data === null || typeof data.lastUpdateId !== "number" || !Number.isSafeInteger(data.lastUpdateId)) {
        throw new Error("the stored update offset has no integer lastUpdateId");
      }
      this.lastUpdateId = this.savedUpdateId = data.lastUpdateId;
    } catch (err) {
      this.log.warn("telegram: ignoring unreadable update offset file", { error: (err as Error).message });
    }
  }

  /** The getUpdates offset to start from, or undefined when nothing was handled yet. */
  get nextOffset(): number | undefined {
    return this.lastUpdateId === undefined ? undefined : this.lastUpdateId + 1;
  }

  markHandled(updateId: number): void {
    if (this.lastUpdateId !== undefined && updateId <= this.lastUpdateId) return;
    this.lastUpdateId = updateId;
    this.writeLatest();
  }

  /** Resolves once the latest id is on disk (or its write failed and was logged). */
  async flush(): Promise<void> {
    this.writeLatest();
    while (this.writing) await this.writing;
  }

  private writeLatest(): void {
    const id = this.lastUpdateId;
    if (this.writing || id === undefined || id === this.savedUpdateId || id === this.failedUpdateId) return;
    this.writing = this.state
      .set(KEY, { lastUpdateId: id })
      .then(
        () => {
          this.savedUpdateId = id;
        },
        (err: Error) => {
          this.failedUpdateId = id;
          this.log.warn("telegram: could not save the update offset", { error: err.message });
        },
      )
      .finally(() => {
        this.writing = undefined;
        this.writeLatest(); // an id that arrived meanwhile
      });
  }
}
