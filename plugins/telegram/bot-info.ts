/**
 * The bot's own identity (getMe), fetched at start. While the Bot API cannot be reached, every
 * failed attempt is logged (token masked) and retried after a growing pause, up to 30 s, until
 * it works or the plugin is stopped: grammY's own `bot.init` would retry silently forever. A
 * refusal that cannot heal by waiting (401 Unauthorized, 404 for a malformed token) fails at once.
 * Give it an `Api` without the auto-retry transformer, which would retry 5xx silently.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { GrammyError, HttpError, type Api } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { maskSecret, type Logger } from "../../src/plugin-api.js";
import { apiSignal } from "./api-signal.js";
import { describeError, toSendError } from "./errors.js";

export interface RetryDelays {
  /** Pause after the first failure; doubled after each further one. */
  firstMs: number;
  maxMs: number;
}

export const GET_ME_RETRY: RetryDelays = { firstMs: 1000, maxMs: 30_000 };

/** The pause after `failures` failed attempts in a row (1 or more). @example retryDelayMs(3, GET_ME_RETRY) // 4000 */
export function retryDelayMs(failures: number, delays: RetryDelays): number {
  return Math.min(delays.maxMs, delays.firstMs * 2 ** Math.min(failures - 1, 30));
}

/** Network errors, 5xx and 429 may pass; any other answer from Telegram will not. */
export function isTransientFailure(err: unknown): boolean {
  if (err instanceof HttpError) return true;
  if (err instanceof GrammyError) return err.error_code >= 500 || err.error_code === 429;
  return false;
}

export async function fetchBotInfo(options: {
  api: Api;
  token: string;
  log: Logger;
  signal: AbortSignal;
  delays?: RetryDelays;
}): Promise<UserFromGetMe> {
  const { api, token, log, signal } = options;
  const delays = options.delays ?? GET_ME_RETRY;
  for (let failures = 1; ; failures++) {
    try {
      return await api.getMe(apiSignal(signal));
    } catch (err) {
      if (signal.aborted) throw new Error("telegram plugin stopped while connecting to the Bot API");
      if (!isTransientFailure(err)) {
        throw new Error(`Telegram getMe failed (token ${maskSecret(token)}): ${toSendError(err, token).message}`);
      }
      const retryAfterMs = err instanceof GrammyError ? (err.parameters.retry_after ?? 0) * 1000 : 0;
      const waitMs = Math.max(retryDelayMs(failures, delays), retryAfterMs);
      log.warn("telegram: cannot reach the Bot API; the bot stays silent until it can", {
        token: maskSecret(token),
        attempt: failures,
        retryInMs: waitMs,
        error: describeError(err, token),
      });
      try {
        await sleep(waitMs, undefined, { signal });
      } catch {
        throw new Error("telegram plugin stopped while connecting to the Bot API");
      }
    }
  }
}
