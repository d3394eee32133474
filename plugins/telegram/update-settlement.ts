/**
 * At-least-once delivery: the grammY glue between the update handlers, the
 * {@link PendingJournal} and the core's dispatch receipts. An update stays in the journal
 * until its handler has finished and the core has settled every message it dispatched.
 */
import type { Bot, Context, MiddlewareFn } from "grammy";
import type { Update } from "grammy/types";
import type { Logger, Settlement } from "../../src/plugin-api.js";
import { describeError } from "./errors.js";
import type { PendingJournal } from "./pending-journal.js";

/**
 * Collects the receipts of the messages each update was dispatched as, and reports the update
 * once the handler is done and all of them are settled `done`. An update with a message the core
 * `abandoned` (cut off by a shutdown) is not reported: it stays journaled and is replayed on the
 * next start. Install {@link middleware} first.
 *
 * @example
 * const settlements = new UpdateSettlements((update) => journal.remove(update.update_id));
 * bot.use(settlements.middleware);
 * // in a handler: settlements.add(c.update, (await ctx.dispatch(message)).settled);
 */
export class UpdateSettlements {
  private readonly open = new Map<Update, Promise<Settlement>[]>();

  constructor(private readonly onSettled: (update: Update) => void) {}

  readonly middleware: MiddlewareFn<Context> = async (c, next) => {
    const settlements: Promise<Settlement>[] = [];
    this.open.set(c.update, settlements);
    try {
      await next();
    } finally {
      // Also when the handler failed: a poisonous update must not be replayed forever.
      this.open.delete(c.update);
      void Promise.allSettled(settlements)
        .then((results) => {
          if (!results.some((r) => r.status === "fulfilled" && r.value === "abandoned")) this.onSettled(c.update);
        })
        .catch(() => undefined); // onSettled only drops a journal entry; at worst the update is replayed once
    }
  };

  /** Records that handling `update` dispatched a message the core settles with `settled`. */
  add(update: Update, settled: Promise<Settlement>): void {
    this.open.get(update)?.push(settled);
  }
}

/**
 * Webhook mode: journals each update before Telegram gets the 200 that confirms it, and skips
 * an update Telegram sends again while it is still pending (a 200 lost in a crash). Updates
 * handed in by {@link replayJournal} pass through.
 */
export function journalWebhookUpdates(journal: PendingJournal, replayed: WeakSet<Update>, log: Logger): MiddlewareFn<Context> {
  return async (c, next) => {
    if (replayed.has(c.update)) return next();
    if (journal.has(c.update.update_id)) {
      log.debug("telegram: skipping an update that is already pending", { updateId: c.update.update_id });
      return;
    }
    await journal.add([c.update]);
    return next();
  };
}

/**
 * Hands every journaled update to the bot's handlers again, oldest first, one after the other
 * (each handler only waits for the core to accept its message). Returns how many there were.
 */
export async function replayJournal(options: {
  bot: Bot;
  journal: PendingJournal;
  replayed: WeakSet<Update>;
  log: Logger;
  token: string;
  signal: AbortSignal;
}): Promise<number> {
  const { bot, journal, replayed, log, token, signal } = options;
  const updates = journal.updates();
  if (updates.length === 0) return 0;
  log.info("telegram: handing over updates left unanswered by the last run", {
    count: updates.length,
    updateIds: updates.slice(0, 20).map((u) => u.update_id),
  });
  for (const update of updates) {
    if (signal.aborted) break;
    replayed.add(update);
    try {
      await bot.handleUpdate(update);
    } catch (err) {
      const cause = (err as { error?: unknown }).error ?? err;
      log.error("telegram: replayed update failed", { updateId: update.update_id, error: describeError(cause, token) });
    }
  }
  return updates.length;
}
