/**
 * Telegram API failures: recognizing the ones the plugin handles, and reporting the rest without
 * the bot token. Every function here is total: whatever it is given (a GrammyError without
 * `description` or `parameters`, a proxy's odd answer, null, a Proxy or getter that throws) it
 * returns, because it runs inside error handlers where a throw would end the process.
 */
import { GrammyError, HttpError } from "grammy";
import { redact } from "../../src/plugin-api.js";

/** What is said about an error that could not even be read. */
const UNDESCRIBABLE = "unknown error (it could not be described)";

/** Descriptions longer than this (e.g. an HTML error page a proxy sent) are cut. */
const MAX_DESCRIPTION = 500;

/** `value[key]`, or undefined when `value` has no such field or reading it throws. */
function field(value: unknown, key: string): unknown {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function isInstance(value: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

function clip(text: string): string {
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}

/** Some text for any value: a string as it is, an error's message, else its JSON or String form. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  const message = field(value, "message");
  if (typeof message === "string") return message;
  try {
    if (typeof value === "object" && value !== null) {
      const json = JSON.stringify(value);
      if (typeof json === "string" && json !== "{}") return json;
    }
    return String(value);
  } catch {
    return UNDESCRIBABLE;
  }
}

/**
 * Replaces every occurrence of the token (e.g. inside a request URL) with its masked form; also
 * the secret half after the colon on its own, which survives a percent-encoded ":".
 *
 * @example redactToken("GET /bot123456:ABCdef.../getMe", "123456:ABCdef...") // "GET /bot123456:A…wxyz/getMe"
 */
export function redactToken(text: string, token: string): string {
  const out = typeof text === "string" ? text : textOf(text);
  if (typeof token !== "string" || token === "") return out;
  const secret = token.slice(token.indexOf(":") + 1);
  return redact(out, secret !== token && secret.length >= 8 ? [token, secret] : [token]);
}

const badRequest = (err: unknown, pattern: RegExp) => {
  if (!isInstance(err, GrammyError) || field(err, "error_code") !== 400) return false;
  const description = field(err, "description");
  return typeof description === "string" && pattern.test(description);
};

/** Telegram refused the markup: "Bad Request: can't parse entities: ...". */
export const isEntityParseError = (err: unknown) => badRequest(err, /can't parse entities/i);

/** An edit to identical content: "Bad Request: message is not modified". */
export const isNotModifiedError = (err: unknown) => badRequest(err, /message is not modified/i);

/** Telegram's error_code, when `err` is an answer from the Bot API that carries one. */
export function errorCodeOf(err: unknown): number | undefined {
  if (!isInstance(err, GrammyError)) return undefined;
  const code = field(err, "error_code");
  return typeof code === "number" && Number.isFinite(code) ? code : undefined;
}

/** Telegram's `parameters.retry_after` (seconds), when the answer carries a usable one. */
export function retryAfterOf(err: unknown): number | undefined {
  if (!isInstance(err, GrammyError)) return undefined;
  const retryAfter = field(field(err, "parameters"), "retry_after");
  return typeof retryAfter === "number" && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
}

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

function fromApiAnswer(err: unknown, token: string): TelegramSendError {
  const method = field(err, "method");
  const call = typeof method === "string" ? `Call to '${method}' failed!` : "A Bot API call failed!";
  const errorCode = errorCodeOf(err);
  const rawDescription = field(err, "description");
  const description = typeof rawDescription === "string" ? clip(redactToken(rawDescription, token)) : undefined;
  const detail =
    errorCode === undefined && description === undefined
      ? "the Bot API answered without an error code or description"
      : `${errorCode ?? "no error code"}: ${description ?? "no description"}`;
  return new TelegramSendError(redactToken(`${call} (${detail})`, token), errorCode, description, retryAfterOf(err));
}

/**
 * Converts any failure into an error safe to log or show (HttpError's cause carries the request
 * URL, token included). Never throws.
 */
export function toSendError(err: unknown, token: string): TelegramSendError {
  try {
    if (isInstance(err, GrammyError)) return fromApiAnswer(err, token);
    if (isInstance(err, HttpError)) {
      const cause = field(err, "error");
      const causeText = cause === undefined ? "" : `: ${textOf(cause)}`;
      return new TelegramSendError(clip(redactToken(`${textOf(err)}${causeText}`, token)));
    }
    return new TelegramSendError(clip(redactToken(textOf(err), token)));
  } catch {
    return new TelegramSendError(UNDESCRIBABLE);
  }
}

/** A one-line description for logs. Never throws. */
export function describeError(err: unknown, token: string): string {
  return toSendError(err, token).message;
}
