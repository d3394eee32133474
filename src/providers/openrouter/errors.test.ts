import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { describe, expect, it } from "vitest";
import { classifyOpenRouterFailure, failureInfoOf, providerErrorFrom, toProviderError } from "./errors.js";

const headers = (entries: Record<string, string> = {}) => new Headers(entries);

describe("failureInfoOf", () => {
  it("reads status, message, upstream and retry-after off an HTTP error in OpenRouter's shape", () => {
    const err = APIError.generate(429, { error: { code: 429, message: "Rate limit exceeded", metadata: { provider_name: "Anthropic" } } }, undefined, headers({ "retry-after": "3" }));
    expect(failureInfoOf(err)).toEqual({ status: 429, message: "Rate limit exceeded", upstream: "Anthropic", retryAfterMs: 3000 });
  });

  it("reads a mid-stream error (no status): a numeric code counts as the status, a string code as its type", () => {
    expect(failureInfoOf(new APIError(undefined, { code: 402, message: "Insufficient credits" }, undefined, headers()))).toEqual({ midStream: true, status: 402, message: "Insufficient credits" });
    expect(failureInfoOf(new APIError(undefined, { code: "server_error", message: "gone" }, undefined, headers()))).toEqual({ midStream: true, errorType: "server_error", message: "gone" });
  });

  it("maps connection failures to network codes", () => {
    expect(failureInfoOf(new APIConnectionTimeoutError())).toEqual({ code: "ETIMEDOUT" });
    const reset = new APIConnectionError({ cause: Object.assign(new Error("other side closed"), { code: "ECONNRESET" }) });
    expect(failureInfoOf(reset)).toMatchObject({ code: "ECONNRESET" });
    expect(failureInfoOf(new SyntaxError("Unexpected token"))).toMatchObject({ code: "STREAM_INCOMPLETE" });
  });
});

describe("classifyOpenRouterFailure", () => {
  it.each([
    [{ status: 401 }, "auth"],
    [{ status: 402 }, "billing"],
    [{ status: 403 }, "request"],
    [{ status: 408 }, "timeout"],
    [{ status: 429 }, "rate_limit"],
    [{ status: 500 }, "overloaded"],
    [{ status: 502 }, "overloaded"],
    [{ status: 503 }, "overloaded"],
    [{ status: 400 }, "request"],
    [{ status: 404 }, "request"],
    [{ status: 413 }, "request"],
    [{ status: 400, errorType: "rate_limit_error" }, "request"],
    [{ midStream: true, errorType: "server_error" }, "overloaded"],
    [{ midStream: true, status: 402 }, "billing"],
    [{ code: "ECONNRESET" }, "timeout"],
    [{ code: "STREAM_INCOMPLETE" }, "timeout"],
    [{}, "request"],
  ] as const)("%j -> %s", (info, failureClass) => {
    expect(classifyOpenRouterFailure(info)).toBe(failureClass);
  });
});

describe("providerErrorFrom", () => {
  it("says what failed, masks secrets and any key-shaped text, and keeps the details", () => {
    const key = `sk-or-v1-${"a".repeat(64)}`;
    const err = providerErrorFrom({ status: 401, message: `bad key ${key} (also sk-or-v1-${"b".repeat(64)})` }, [key]);
    expect(err.message).toBe(`OpenRouter API error 401: bad key sk-or-v1…aaaa (also sk-or-v1…bbbb)`);
    expect(err.failureClass).toBe("auth");
    expect(err.details).toEqual({ status: 401 });
  });

  it("passes a ProviderError through unchanged", () => {
    const err = providerErrorFrom({ code: "ETIMEDOUT" }, []);
    expect(toProviderError(err, [])).toBe(err);
    expect(err.message).toBe("OpenRouter request timed out");
  });
});
