/**
 * Long polling with @grammyjs/runner: updates are handled concurrently (each chat in
 * order, thanks to the bot's `sequentialize` middleware) and every handled update id
 * is recorded in the {@link UpdateOffsetStore}.
 */
import { run } from "@grammyjs/runner";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../../src/plugin-api.js";
import type { ApiSignal } from "./api-signal.js";
import { describeError } from "./errors.js";
import { settleWithin, type UpdateIntake } from "./intake.js";
import type { UpdateOffsetStore } from "./update-offset.js";

export interface PollingOptions {
  bot: Bot;
  offsets: UpdateOffsetStore;
  allowedUpdates: ReadonlyArray<Exclude<keyof Update, "update_id">>;
  timeoutSeconds: number;
  log: Logger;
  token: string;
}

type GetUpdatesArgs = { offset: number; limit: number; timeout: number };

export function startPolling(options: PollingOptions): UpdateIntake {
  const { bot, offsets, log, token } = options;
  const inFlight = new Set<Promise<void>>();
  const startOffset = offsets.nextOffset ?? 0;

  const handle = run(
    {
      api: {
        // The runner's fetcher asks for offset 0 until it has received an update, then
        // follows what it received. Swapping that 0 for the stored offset is all it takes
        // to resume where the last run stopped, keeping the runner's own retry logic.
        getUpdates: async (args: GetUpdatesArgs, signal: ApiSignal) => {
          try {
            return await bot.api.getUpdates({ ...args, offset: args.offset === 0 ? startOffset : args.offset }, signal);
          } catch (err) {
            if (!signal.aborted) log.warn("telegram: getUpdates failed", { error: describeError(err, token) });
            throw err;
          }
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
