import { describe, it, expect } from "vitest";
import { classifyFailure, isClaudeCodeOnlyCredentialError, isCreditBalanceError, parseRetryAfter } from "./classify.js";
import type { FailureClass, FailureInfo } from "./types.js";

const CLAUDE_CODE_ONLY =
  "This credential is only authorized for use with Claude Code and cannot be used for other API requests.";
const CREDIT_TOO_LOW =
  "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.";

describe("classifyFailure", () => {
  const cases: Array<[FailureInfo, FailureClass]> = [
    [{ status: 401, errorType: "authentication_error", message: "invalid x-api-key" }, "auth"],
    [{ status: 403, errorType: "permission_error", message: "not allowed" }, "auth"],
    [{ status: 400, errorType: "invalid_request_error", message: CLAUDE_CODE_ONLY }, "auth"],
    [{ status: 401, message: CLAUDE_CODE_ONLY }, "auth"],
    [{ message: CLAUDE_CODE_ONLY }, "auth"],
    [{ status: 429, errorType: "rate_limit_error", message: "Number of request tokens has exceeded your rate limit" }, "rate_limit"],
    [{ status: 429 }, "rate_limit"],
    [{ errorType: "rate_limit_error" }, "rate_limit"],
    [{ status: 529, errorType: "overloaded_error", message: "Overloaded" }, "overloaded"],
    [{ errorType: "overloaded_error", message: "Overloaded" }, "overloaded"],
    [{ status: 529 }, "overloaded"],
    [{ status: 503 }, "overloaded"],
    [{ status: 502 }, "overloaded"],
    [{ status: 500, errorType: "api_error", message: "Internal server error" }, "overloaded"],
    [{ status: 599 }, "overloaded"],
    [{ status: 402, errorType: "billing_error", message: "payment required" }, "billing"],
    [{ status: 402 }, "billing"],
    [{ status: 400, errorType: "invalid_request_error", message: CREDIT_TOO_LOW }, "billing"],
    [{ errorType: "billing_error" }, "billing"],
    [{ status: 408 }, "timeout"],
    [{ status: 504, errorType: "timeout_error", message: "Request timed out" }, "timeout"],
    [{ code: "ETIMEDOUT" }, "timeout"],
    [{ code: "ECONNRESET" }, "timeout"],
    [{ code: "ECONNREFUSED" }, "timeout"],
    [{ code: "ENOTFOUND" }, "timeout"],
    [{ code: "UND_ERR_SOCKET" }, "timeout"],
    [{ code: "UND_ERR_HEADERS_TIMEOUT" }, "timeout"],
    [{ code: "STREAM_INCOMPLETE" }, "timeout"],
    [{ code: "APIConnectionTimeoutError" }, "timeout"],
    [{ code: "APIConnectionError" }, "timeout"],
    [{ status: 400, errorType: "invalid_request_error", message: "max_tokens: Field required" }, "request"],
    [{ status: 404, errorType: "not_found_error", message: "model: claude-nope" }, "request"],
    [{ status: 413, errorType: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." }, "request"],
    [{ status: 409, errorType: "conflict_error" }, "request"],
    [{ status: 422 }, "request"],
    [{ status: 418, errorType: "something_new" }, "request"],
    [{ code: "ERR_INVALID_ARG_TYPE" }, "request"],
    [{}, "request"],
  ];

  it.each(cases)("%j -> %s", (info, expected) => {
    expect(classifyFailure(info)).toBe(expected);
  });

  it("prefers the error type over the status when both are known", () => {
    expect(classifyFailure({ status: 500, errorType: "overloaded_error" })).toBe("overloaded");
    expect(classifyFailure({ status: 400, errorType: "rate_limit_error" })).toBe("rate_limit");
  });
});

describe("isClaudeCodeOnlyCredentialError", () => {
  it("recognises Anthropic's Claude Code only message", () => {
    expect(isClaudeCodeOnlyCredentialError(CLAUDE_CODE_ONLY)).toBe(true);
    expect(isClaudeCodeOnlyCredentialError("400 " + CLAUDE_CODE_ONLY.toLowerCase())).toBe(true);
  });

  it("is false for other messages and empty input", () => {
    expect(isClaudeCodeOnlyCredentialError("invalid x-api-key")).toBe(false);
    expect(isClaudeCodeOnlyCredentialError(undefined)).toBe(false);
    expect(isClaudeCodeOnlyCredentialError("")).toBe(false);
  });
});

describe("isCreditBalanceError", () => {
  it("recognises the credit balance message", () => {
    expect(isCreditBalanceError(CREDIT_TOO_LOW)).toBe(true);
    expect(isCreditBalanceError("Overloaded")).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads retry-after seconds", () => {
    expect(parseRetryAfter({ "retry-after": "30" }, now)).toBe(30_000);
    expect(parseRetryAfter({ "Retry-After": "1.5" }, now)).toBe(1_500);
    expect(parseRetryAfter({ "retry-after": "0" }, now)).toBe(0);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter({ "retry-after": "Thu, 01 Jan 2026 00:01:00 GMT" }, now)).toBe(60_000);
    expect(parseRetryAfter({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }, now)).toBe(0);
  });

  it("prefers retry-after-ms", () => {
    expect(parseRetryAfter({ "retry-after-ms": "250", "retry-after": "30" }, now)).toBe(250);
  });

  it("works with fetch Headers", () => {
    expect(parseRetryAfter(new Headers({ "retry-after": "12" }), now)).toBe(12_000);
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });

  it("uses the reset time of an exhausted Anthropic rate limit when retry-after is absent", () => {
    const headers = {
      "anthropic-ratelimit-requests-remaining": "10",
      "anthropic-ratelimit-requests-reset": "2026-01-01T00:10:00Z",
      "anthropic-ratelimit-input-tokens-remaining": "0",
      "anthropic-ratelimit-input-tokens-reset": "2026-01-01T00:00:20Z",
      "anthropic-ratelimit-output-tokens-remaining": "0",
      "anthropic-ratelimit-output-tokens-reset": "2026-01-01T00:00:45Z",
    };
    expect(parseRetryAfter(headers, now)).toBe(45_000);
  });

  it("ignores reset times of limits that still have room", () => {
    expect(
      parseRetryAfter(
        { "anthropic-ratelimit-requests-remaining": "5", "anthropic-ratelimit-requests-reset": "2026-01-01T00:10:00Z" },
        now,
      ),
    ).toBeUndefined();
  });

  it("returns undefined for garbage", () => {
    expect(parseRetryAfter({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "-5" }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});
