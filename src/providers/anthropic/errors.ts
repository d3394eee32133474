/**
 * Turning whatever a call threw into a classified {@link ProviderError} with a message a chat
 * user may see: no secret, no stack, no response dump.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { classifyFailure, parseRetryAfter } from "../../auth/classify.js";
import type { FailureInfo } from "../../auth/types.js";
import { maskSecret } from "../../util/mask.js";
import { ProviderError } from "../types.js";

/** Anything that looks like an Anthropic key or token. */
const SECRET_PATTERN = /sk-ant-[A-Za-z0-9_-]{8,}/g;
const MAX_MESSAGE_LENGTH = 500;

/** Replace the given secrets, and anything shaped like an Anthropic secret, by their masked form. */
export function redactSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join(maskSecret(secret));
  }
  return out.replace(SECRET_PATTERN, (match) => maskSecret(match));
}

/** The first string `code` on the error or its causes (undici puts socket codes on `cause`). */
function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost cause's message: "other side closed" says more than "fetch failed". */
function rootMessage(err: unknown): string | undefined {
  let message: string | undefined;
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

/** What the failure said, for classification. */
export function failureInfoOf(err: unknown): FailureInfo {
  if (err instanceof APIConnectionTimeoutError) return { code: "ETIMEDOUT" };
  if (err instanceof APIConnectionError) {
    return { code: causeCode(err.cause) ?? "APIConnectionError", message: rootMessage(err) };
  }
  if (err instanceof APIError) {
    const info: FailureInfo = {};
    if (err.status !== undefined) info.status = err.status;
    if (err.type) info.errorType = err.type;
    info.message = err.apiMessage ?? err.message;
    if (err.headers) {
      const retryAfterMs = parseRetryAfter(err.headers);
      if (retryAfterMs !== undefined) info.retryAfterMs = retryAfterMs;
    }
    return info;
  }
  const code = causeCode(err);
  const message = rootMessage(err) ?? String(err);
  return code ? { code, message } : { message };
}

function describe(info: FailureInfo): string {
  if (info.code === "ETIMEDOUT") return "Anthropic API request timed out";
  if (info.code === "STREAM_INCOMPLETE") return "Anthropic API stream ended before the reply was complete";
  if (info.status === undefined && info.errorType) return `Anthropic API error during the reply (${info.errorType})`;
  if (info.status !== undefined) {
    return `Anthropic API error ${info.status}${info.errorType ? ` ${info.errorType}` : ""}`;
  }
  if (info.code) return `Anthropic API connection failed (${info.code})`;
  return "Anthropic API call failed";
}

/** Build the ProviderError for a failure; `secrets` are masked wherever they appear. */
export function providerErrorFrom(info: FailureInfo, secrets: string[]): ProviderError {
  const detail = info.message ? redactSecrets(info.message, secrets).slice(0, MAX_MESSAGE_LENGTH) : "";
  const summary = describe(info);
  const message = detail && !summary.includes(detail) ? `${summary}: ${detail}` : summary;
  const details: ProviderError["details"] = {};
  if (info.status !== undefined) details.status = info.status;
  if (info.errorType) details.errorType = info.errorType;
  if (info.retryAfterMs !== undefined) details.retryAfterMs = info.retryAfterMs;
  if (info.code) details.code = info.code;
  return new ProviderError(message, classifyFailure(info), details);
}

/** Classify anything a call threw. */
export function toProviderError(err: unknown, secrets: string[]): ProviderError {
  if (err instanceof ProviderError) return err;
  return providerErrorFrom(failureInfoOf(err), secrets);
}
