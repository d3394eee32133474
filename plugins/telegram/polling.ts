/**
 * Long polling with @grammyjs/runner: updates are handled concurrently (each chat in
 * order, thanks to the bot's `sequentialize` middleware) and every handled update id
 * is recorded in the {@link UpdateOffsetStore}.
 *
 * The runner asks for the next batch as soon as it has one, and that request (offset =
 * last id + 1) tells Telegram to forget the batch. So each batch is written to the
 * {@link PendingJournal} before the fetch returns it: by the time Telegram forgets an update,
 * it is on disk. Polling resumes after the highest id in the offset file or the journal.
 */
import { run } from "@grammyjs/runner";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../../src/plugin-api.js";
import type { ApiSignal } from "./api-signal.js";
import { describeError } from "./errors.js";
import { settleWithin, type UpdateIntake } from "./intake.js";
import type { PendingJournal } from "./pending-journal.js";
import type { UpdateOffsetStore } from "./update-offset.js";

export interface PollingOptions {
  bot: Bot;
  offsets: UpdateOffsetStore;
  journal: PendingJournal;
  allowedUpdates: ReadonlyArray<Exclude<keyof Update, "update_id">>;
  timeoutSeconds: number;
  log: Logger;
  token: string;
}

type GetUpdatesArgs = { offset: number; limit: number; timeout: number };

export function startPolling(options: PollingOptions): UpdateIntake {
  const { bot, offsets, journal, log, token } = options;
  const inFlight = new Set<Promise<void>>();
  const startOffset = resumeOffset(offsets.nextOffset, journal.lastUpdateId);

  const handle = run(
    {
      api: {
        // The runner's fetcher asks for offset 0 until it has received an update, then
        // follows what it received. Swapping that 0 for the stored offset is all it takes
        // to resume where the last run stopped, keeping the runner's own retry logic.
        getUpdates: async (args: GetUpdatesArgs, signal: ApiSignal) => {
          let updates: Update[];
          try {
            updates = await bot.api.getUpdates({ ...args, offset: args.offset === 0 ? startOffset : args.offset }, signal);
          } catch (err) {
            if (!signal.aborted) log.warn("telegram: getUpdates failed", { error: describeError(err, token) });
            throw err;
          }
          await journal.add(updates);
          return updates;
        },
      },
      handleUpdate: (update: Update) => {
        const task = bot.handleUpdate(update).finally(() => {
          offsets.markHandled(update.update_id);
          inFlight.delete(task);
        });
        inFlight.add(task);
        return task;
      },
      errorHandler: (err: unknown) => {
        log.error("telegram: update handling failed", { error: describeError((err as { error?: unknown }).error ?? err, token) });
      },
    },
    {
      runner: {
        fetch: { timeout: options.timeoutSeconds, allowed_updates: options.allowedUpdates },
        silent: true,
      },
    },
  );
  handle.task()?.catch((err: unknown) => {
    log.error("telegram: polling stopped", { error: describeError(err, token) });
  });

  return {
    async stop(graceMs) {
      const stopped = handle.isRunning() ? handle.stop() : Promise.resolve();
      await settleWithin(Promise.allSettled([stopped, ...inFlight]), graceMs);
    },
  };
}

/** Where getUpdates starts: after the highest update either store has seen; 0 (Telegram's oldest) when neither has. */
export function resumeOffset(offsetFileNext: number | undefined, journalLastId: number | undefined): number {
  return Math.max(offsetFileNext ?? 0, journalLastId === undefined ? 0 : journalLastId + 1);
}
