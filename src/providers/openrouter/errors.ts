/**
 * Turning whatever an OpenRouter call threw into a classified {@link ProviderError} with a message
 * a chat user may see: no secret, no stack, no response dump.
 *
 * OpenRouter's error body is `{"error":{"code":402,"message":"...","metadata":{...}}}` with the
 * HTTP status equal to `code`. Once a stream has started the status is 200 and an error arrives
 * as a data chunk with that `error` object (the SDK throws it as an APIError without a status);
 * its `code` is then a number or a string such as `"server_error"`.
 *
 * Classes (docs/OPERATIONS.md): 401 auth, 402 billing, 429 rate_limit (with `retry-after`),
 * 408/504 and network failures timeout, 500/502/503 overloaded, 400/404/413 request. OpenRouter's
 * 403 is a moderation or guardrail refusal of this request, not a bad key: `request`. A mid-stream
 * error without a numeric code is upstream trouble: `overloaded` (retried, then the next profile).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { classifyFailure, parseRetryAfter } from "../../auth/classify.js";
import type { FailureClass, FailureInfo } from "../../auth/types.js";
import { redactKnown, redactSecrets } from "../../util/redact.js";
import { causeCode, classifiedError, genericFailureInfo, rootMessage } from "../failures.js";
import { ProviderError } from "../types.js";

const MAX_MESSAGE_LENGTH = 500;

/** What a failed OpenRouter call said, for classification and the user's message. */
export interface OpenRouterFailure extends FailureInfo {
  /** The error arrived inside a started (HTTP 200) stream. */
  midStream?: boolean;
  /** `error.metadata.provider_name`: which upstream failed. */
  upstream?: string;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Reads OpenRouter's `error` object (or an OpenAI-style one) off an APIError. */
function fromApiError(err: APIError): OpenRouterFailure {
  const body = record(err.error);
  const info: OpenRouterFailure = {};
  const code = body?.code;
  if (err.status !== undefined) info.status = err.status;
  else {
    info.midStream = true;
    if (typeof code === "number" && Number.isInteger(code) && code >= 400 && code < 600) info.status = code;
  }
  if (typeof code === "string" && code) info.errorType = code;
  else if (typeof body?.type === "string" && body.type) info.errorType = body.type;
  const message = typeof body?.message === "string" ? body.message : err.message;
  if (message) info.message = message;
  const upstream = record(body?.metadata)?.provider_name;
  if (typeof upstream === "string" && upstream) info.upstream = upstream;
  if (err.headers) {
    const retryAfterMs = parseRetryAfter(err.headers);
    if (retryAfterMs !== undefined) info.retryAfterMs = retryAfterMs;
  }
  return info;
}

/** What the failure said. */
export function failureInfoOf(err: unknown): OpenRouterFailure {
  if (err instanceof APIConnectionTimeoutError) return { code: "ETIMEDOUT" };
  if (err instanceof APIConnectionError) return { code: causeCode(err.cause) ?? "APIConnectionError", message: rootMessage(err) };
  if (err instanceof APIError) return fromApiError(err);
  if (err instanceof SyntaxError) return { code: "STREAM_INCOMPLETE", message: "the stream carried a chunk that is not JSON" };
  return genericFailureInfo(err);
}

/** The failure class of an OpenRouter failure (see the module comment). */
export function classifyOpenRouterFailure(info: OpenRouterFailure): FailureClass {
  if (info.status === 403) return "request";
  if (info.midStream && info.status === undefined && !info.code) return "overloaded";
  // OpenRouter's string codes are not Anthropic error types; only the status and message count
  const { errorType: _ignored, ...rest } = info;
  return classifyFailure(rest);
}

function describe(info: OpenRouterFailure): string {
  const via = info.upstream ? ` (upstream ${info.upstream})` : "";
  if (info.code === "ETIMEDOUT") return "OpenRouter request timed out";
  if (info.code === "STREAM_INCOMPLETE") return "OpenRouter stream ended before the reply was complete";
  if (info.midStream) return `OpenRouter error during the reply${info.status ? ` ${info.status}` : info.errorType ? ` (${info.errorType})` : ""}${via}`;
  if (info.status !== undefined) return `OpenRouter API error ${info.status}${via}`;
  if (info.code) return `OpenRouter connection failed (${info.code})`;
  return "OpenRouter call failed";
}

/** Build the ProviderError for a failure; `secrets` are masked wherever they appear. */
export function providerErrorFrom(info: OpenRouterFailure, secrets: string[]): ProviderError {
  const detail = info.message ? redactSecrets(redactKnown(info.message, secrets)).slice(0, MAX_MESSAGE_LENGTH) : "";
  return classifiedError(info, describe(info), detail, classifyOpenRouterFailure(info));
}

/** Classify anything a call threw. */
export function toProviderError(err: unknown, secrets: string[]): ProviderError {
  if (err instanceof ProviderError) return err;
  return providerErrorFrom(failureInfoOf(err), secrets);
}
