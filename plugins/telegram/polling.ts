/**
 * Long polling with @grammyjs/runner: updates are handled concurrently (each chat in
 * order, thanks to the bot's `sequentialize` middleware) and every handled update id
 * is recorded in the {@link UpdateOffsetStore}.
 *
 * The runner asks for the next batch as soon as it has one, and that request (offset =
 * last id + 1) tells Telegram to forget the batch. So each batch is written to the
 * {@link PendingJournal} before the fetch returns it: by the time Telegram forgets an update,
 * it is on disk. Polling resumes after the highest id in the offset file or the journal.
 *
 * Failed getUpdates calls never reach the runner's own retry loop (its pauses cannot be cut
 * short by a stop, and it ends the process's polling on 409): this module waits transient
 * failures out itself, abortably, and on a fatal one (see poll-policy.ts) stops the runner and
 * calls `onFatal`, so the gateway restarts the channel. Journaled updates stay journaled.
 */
import { run, type RunnerHandle } from "@grammyjs/runner";
import type { Api, Bot } from "grammy";
import type { Update } from "grammy/types";
import { type Logger, settledWithin } from "../../src/plugin-api.js";
import type { ApiSignal } from "./api-signal.js";
import { describeError } from "./errors.js";
import type { UpdateIntake } from "./intake.js";
import type { PendingJournal } from "./pending-journal.js";
import { classifyPollFailure, POLL_BACKOFF, pollRetryDelayMs, type PollBackoff } from "./poll-policy.js";
import { screenBatch } from "./update-batch.js";
import type { UpdateOffsetStore } from "./update-offset.js";

export interface PollingOptions {
  bot: Bot;
  /** Makes the getUpdates calls: an Api without auto-retry, so that every failure comes here. */
  api: Api;
  offsets: UpdateOffsetStore;
  journal: PendingJournal;
  allowedUpdates: ReadonlyArray<Exclude<keyof Update, "update_id">>;
  timeoutSeconds: number;
  log: Logger;
  token: string;
  /** Polling ended for good (e.g. 409: another process polls this token). Called at most once. */
  onFatal(error: unknown): void;
  backoff?: PollBackoff;
}

type GetUpdatesArgs = { offset: number; limit: number; timeout: number };

export function startPolling(options: PollingOptions): UpdateIntake {
  const { bot, api, offsets, journal, log, token } = options;
  const backoff = options.backoff ?? POLL_BACKOFF;
  const inFlight = new Set<Promise<void>>();
  const startOffset = resumeOffset(offsets.nextOffset, journal.lastUpdateId);
  let failed = false;

  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    log.error("telegram: polling stopped; the channel needs a restart", { error: describeError(err, token) });
    // Ends the runner: its fetch sees the abort and finishes quietly. stop() stays clean.
    // (Never called before `handle` is set: the runner's first fetch comes after an await.)
    void handle.stop();
    try {
      options.onFatal(err);
    } catch (callbackErr) {
      log.error("telegram: reporting the polling failure failed", { error: describeError(callbackErr, token) });
    }
  };

  const fetchBatch = async (args: GetUpdatesArgs, signal: ApiSignal): Promise<Update[]> => {
    for (let failures = 1; ; failures++) {
      try {
        const offset = args.offset === 0 ? startOffset : args.offset;
        const answer: unknown = await api.getUpdates({ ...args, offset }, signal);
        const batch = screenBatch(answer);
        // Telegram never sends what an offset confirmed; a broken Bot API that does would have them answered again.
        const updates = batch.updates.filter((u) => u.update_id >= offset);
        const stale = batch.updates.length - updates.length;
        if (batch.dropped > 0 || batch.oversized.length > 0 || stale > 0) {
          log.warn("telegram: getUpdates answered updates that cannot be handled; left out", {
            withoutUpdateId: batch.dropped,
            oversizedUpdateIds: batch.oversized.slice(0, 10),
            alreadyConfirmed: stale,
          });
        }
        // Nothing usable in a non-empty answer: pause as after a failure, so a broken Bot API is not hammered.
        if (updates.length === 0 && (batch.dropped > 0 || stale > 0)) throw new Error("getUpdates answered no usable update");
        await journal.add(updates);
        return updates;
      } catch (err) {
        if (signal.aborted || failed) throw err;
        if (classifyPollFailure(err) === "fatal") {
          fail(err);
          throw err;
        }
        const waitMs = pollRetryDelayMs(failures, err, backoff);
        log.warn("telegram: getUpdates failed; asking again shortly", { attempt: failures, retryInMs: waitMs, error: describeError(err, token) });
        await pause(waitMs, signal);
      }
    }
  };

  const handle: RunnerHandle = run(
    {
      api: { getUpdates: fetchBatch },
      handleUpdate: (update: Update) => {
        const task = bot.handleUpdate(update).finally(() => {
          offsets.markHandled(update.update_id);
          inFlight.delete(task);
        });
        inFlight.add(task);
        return task;
      },
      errorHandler: (err: unknown) => {
        log.error("telegram: update handling failed", { error: describeError((err as { error?: unknown } | null)?.error ?? err, token) });
      },
    },
    {
      runner: {
        fetch: { timeout: options.timeoutSeconds, allowed_updates: options.allowedUpdates },
        silent: true,
      },
    },
  );
  // Only an unexpected end lands here (a stop ends the task quietly): report it like a fatal answer.
  handle.task()?.catch((err: unknown) => fail(err));

  return {
    async stop(graceMs) {
      const stopped = handle.isRunning() ? handle.stop() : Promise.resolve();
      await settledWithin(Promise.allSettled([stopped, ...inFlight]), graceMs);
    },
  };
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts (the runner's signal is a polyfill, so no timers/promises). */
function pause(ms: number, signal: ApiSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error("getUpdates retry wait aborted"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort);
  });
}

/** Where getUpdates starts: after the highest update either store has seen; 0 (Telegram's oldest) when neither has. */
export function resumeOffset(offsetFileNext: number | undefined, journalLastId: number | undefined): number {
  return Math.max(offsetFileNext ?? 0, journalLastId === undefined ? 0 : journalLastId + 1);
}
