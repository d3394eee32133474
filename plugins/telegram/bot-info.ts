/**
 * The bot's own identity (getMe), fetched at start: ONE attempt. When it fails, start() fails
 * with a message that says why (token masked) and the gateway retries the start with backoff, so
 * nothing here waits or retries; the time bound and the stop come in through `signal`. A token
 * Telegram refuses (401 Unauthorized, 404 for a malformed token) is named as such: waiting will
 * not heal it. Give it an `Api` without the auto-retry transformer, which would retry 5xx
 * silently.
 */
import type { Api } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { maskSecret } from "../../src/plugin-api.js";
import { apiSignal } from "./api-signal.js";
import { describeError, errorCodeOf } from "./errors.js";
import type { BotIdentity } from "./normalize.js";

/** Telegram will not accept this token however long one waits. */
export function isTokenRefused(err: unknown): boolean {
  const code = errorCodeOf(err);
  return code === 401 || code === 404;
}

/** The identity in a getMe answer, or undefined when the answer lacks an integer id or a username. */
export function readBotIdentity(answer: unknown): BotIdentity | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const { id, username } = answer as Record<string, unknown>;
  if (typeof id !== "number" || !Number.isSafeInteger(id)) return undefined;
  if (typeof username !== "string" || !/^[A-Za-z0-9_]{1,64}$/.test(username)) return undefined;
  return { id, username };
}

/**
 * Calls getMe once. Rejects when `signal` aborts (the caller says why: stop or deadline), when
 * Telegram refuses the token, when the Bot API cannot be reached, or when its answer is unusable.
 */
export async function fetchBotInfo(options: {
  api: Api;
  token: string;
  signal: AbortSignal;
}): Promise<{ identity: BotIdentity; me: UserFromGetMe }> {
  const { api, token, signal } = options;
  let answer: unknown;
  try {
    answer = await api.getMe(apiSignal(signal));
  } catch (err) {
    if (signal.aborted) throw new Error("telegram plugin stopped while connecting to the Bot API");
    if (isTokenRefused(err)) {
      throw new Error(
        `Telegram refused the bot token ${maskSecret(token)} (${describeError(err, token)}); check channels.telegram.botToken or TELEGRAM_BOT_TOKEN`,
      );
    }
    throw new Error(`cannot reach the Telegram Bot API with token ${maskSecret(token)}: ${describeError(err, token)}`);
  }
  const identity = readBotIdentity(answer);
  if (!identity) throw new Error("the Telegram Bot API answered getMe without a usable bot id and username");
  return { identity, me: answer as UserFromGetMe };
}
