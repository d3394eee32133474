/**
 * Turning whatever a call threw into a classified {@link ProviderError} with a message a chat
 * user may see: no secret, no stack, no response dump.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { classifyFailure, parseRetryAfter } from "../../auth/classify.js";
import type { FailureInfo } from "../../auth/types.js";
import { maskSecret } from "../../util/mask.js";
import { causeCode, classifiedError, genericFailureInfo, rootMessage } from "../failures.js";
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
  return genericFailureInfo(err);
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
  return classifiedError(info, describe(info), detail, classifyFailure(info));
}

/** Classify anything a call threw. */
export function toProviderError(err: unknown, secrets: string[]): ProviderError {
  if (err instanceof ProviderError) return err;
  return providerErrorFrom(failureInfoOf(err), secrets);
}
