/** Telegram API failures: recognizing the ones the plugin handles, and reporting the rest without the bot token. */
import { GrammyError, HttpError } from "grammy";
import { maskSecret } from "../../src/plugin-api.js";

/** Replaces every occurrence of the token (e.g. inside a request URL) with its masked form. */
export function redactToken(text: string, token: string): string {
  return token ? text.split(token).join(maskSecret(token)) : text;
}

const badRequest = (err: unknown, pattern: RegExp) =>
  err instanceof GrammyError && err.error_code === 400 && pattern.test(err.description);

/** Telegram refused the markup: "Bad Request: can't parse entities: ...". */
export const isEntityParseError = (err: unknown) => badRequest(err, /can't parse entities/i);

/** An edit to identical content: "Bad Request: message is not modified". */
export const isNotModifiedError = (err: unknown) => badRequest(err, /message is not modified/i);

/** A send that failed for good, as the core sees it: Telegram's code and description, no token, no request URL. */
export class TelegramSendError extends Error {
  override name = "TelegramSendError";
  constructor(
    message: string,
    readonly errorCode?: number,
    readonly description?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** Converts any failure into an error safe to log or show (HttpError's cause carries the URL, token included). */
export function toSendError(err: unknown, token: string): TelegramSendError {
  if (err instanceof GrammyError) {
    return new TelegramSendError(
      redactToken(err.message, token),
      err.error_code,
      redactToken(err.description, token),
      err.parameters.retry_after,
    );
  }
  if (err instanceof HttpError) {
    const cause = err.error instanceof Error ? `: ${err.error.message}` : "";
    return new TelegramSendError(redactToken(`${err.message}${cause}`, token));
  }
  return new TelegramSendError(redactToken(err instanceof Error ? err.message : String(err), token));
}

/** A one-line description for logs. */
export function describeError(err: unknown, token: string): string {
  return toSendError(err, token).message;
}
