/**
 * Failure classification: what a failed provider call means for the credential
 * that made it. Pure: no I/O, no clock except the optional `now` argument.
 *
 * Decisions the table leaves open:
 * - 500 `api_error`, 502 and 503 are transient server trouble, not the credential's fault:
 *   `overloaded` (retry with backoff, short (profile, model) cooldown that does not escalate).
 * - 408, 504 and Anthropic's `timeout_error` are `timeout`: the request may succeed when retried.
 * - ECONNREFUSED and DNS failures are `timeout` (network): the endpoint is unreachable, which no
 *   other credential fixes, so only the short network cooldown applies.
 * - A message saying the credential is only for Claude Code is `auth` whatever its status
 *   (Anthropic sends it as a 400), and a "credit balance is too low" message is `billing`.
 * - Anything unrecognised is `request`: no cooldown is spent on an error nobody understands,
 *   and the user sees it.
 */
import type { FailureClass, FailureInfo } from "./types.js";

const CLAUDE_CODE_ONLY = /only authorized for use with claude code/i;
const CREDIT_BALANCE_TOO_LOW = /credit balance is too low/i;

/** True when Anthropic refused a credential because it may only be used by Claude Code. */
export function isClaudeCodeOnlyCredentialError(message: string | undefined | null): boolean {
  return !!message && CLAUDE_CODE_ONLY.test(message);
}

/** True when the message is Anthropic's "credit balance is too low" billing refusal. */
export function isCreditBalanceError(message: string | undefined | null): boolean {
  return !!message && CREDIT_BALANCE_TOO_LOW.test(message);
}

const CLASS_BY_ERROR_TYPE: Record<string, FailureClass> = {
  authentication_error: "auth",
  permission_error: "auth",
  billing_error: "billing",
  rate_limit_error: "rate_limit",
  overloaded_error: "overloaded",
  api_error: "overloaded",
  timeout_error: "timeout",
  invalid_request_error: "request",
  not_found_error: "request",
  request_too_large: "request",
  conflict_error: "request",
};

const CLASS_BY_STATUS: Record<number, FailureClass> = {
  401: "auth",
  402: "billing",
  403: "auth",
  408: "timeout",
  429: "rate_limit",
  500: "overloaded",
  502: "overloaded",
  503: "overloaded",
  504: "timeout",
  529: "overloaded",
};

/**
 * Network-level codes (Node, undici) and the SDK's connection error class names, which the
 * provider passes as `code` when the failure had no HTTP status.
 */
const NETWORK_CODES = new Set([
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ERR_STREAM_PREMATURE_CLOSE",
  "STREAM_INCOMPLETE",
  "APIConnectionTimeoutError",
  "APIConnectionError",
]);

function isNetworkCode(code: string): boolean {
  return NETWORK_CODES.has(code) || code.startsWith("UND_ERR_");
}

/** Map what a provider reported about a failed call to its failure class. */
export function classifyFailure(info: FailureInfo): FailureClass {
  const { status, errorType, message, code } = info;
  if (isClaudeCodeOnlyCredentialError(message)) return "auth";
  if (errorType === "billing_error" || status === 402 || isCreditBalanceError(message)) return "billing";
  if (errorType && CLASS_BY_ERROR_TYPE[errorType]) return CLASS_BY_ERROR_TYPE[errorType];
  if (status !== undefined) {
    if (CLASS_BY_STATUS[status]) return CLASS_BY_STATUS[status];
    if (status >= 500) return "overloaded";
    return "request";
  }
  if (code && isNetworkCode(code)) return "timeout";
  return "request";
}

/** Headers as fetch gives them, or a plain record (any key case). */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | undefined>;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

const RATE_LIMIT_KINDS = ["requests", "tokens", "input-tokens", "output-tokens"];

/**
 * How long the server asked us to wait, in ms: `retry-after-ms`, else `retry-after` (seconds or
 * an HTTP date), else — only when a rate limit is exhausted (`anthropic-ratelimit-*-remaining: 0`)
 * — the latest matching `anthropic-ratelimit-*-reset` time. Undefined when the headers say nothing.
 *
 * @example parseRetryAfter({ "retry-after": "30" }) // 30000
 */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const ms = headerValue(headers, "retry-after-ms");
  if (ms !== undefined && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const retryAfter = headerValue(headers, "retry-after")?.trim();
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  let latestReset: number | undefined;
  for (const kind of RATE_LIMIT_KINDS) {
    if (headerValue(headers, `anthropic-ratelimit-${kind}-remaining`)?.trim() !== "0") continue;
    const reset = Date.parse(headerValue(headers, `anthropic-ratelimit-${kind}-reset`) ?? "");
    if (!Number.isNaN(reset)) latestReset = Math.max(latestReset ?? 0, reset);
  }
  return latestReset === undefined ? undefined : Math.max(0, latestReset - now);
}
