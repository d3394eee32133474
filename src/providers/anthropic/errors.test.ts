import { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../types.js";
import { failureInfoOf, redactSecrets, toProviderError } from "./errors.js";

const SECRET = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-wxyz";

describe("redactSecrets", () => {
  it("masks the given secret and anything shaped like an Anthropic secret", () => {
    const text = `bad ${SECRET} and sk-ant-oat01-zzzzzzzzzzzzzzzzzzzzzzzz-1234 and custom-secret-value-123`;
    const out = redactSecrets(text, [SECRET, "custom-secret-value-123"]);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain("zzzzzzzzzzzzzzzz");
    expect(out).not.toContain("custom-secret-value-123");
    expect(out).toContain("sk-ant-a…wxyz");
  });
});

describe("failureInfoOf", () => {
  it("reads status, type, message and retry-after from an API error", () => {
    const body = { type: "error", error: { type: "rate_limit_error", message: "slow down" } };
    const err = APIError.generate(429, body, undefined, new Headers({ "retry-after": "3" }));
    expect(failureInfoOf(err)).toEqual({ status: 429, errorType: "rate_limit_error", message: "slow down", retryAfterMs: 3000 });
  });

  it("reads the socket code from a connection error's causes", () => {
    const socket = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    const err = new APIConnectionError({ cause: new TypeError("fetch failed", { cause: socket }) });
    expect(failureInfoOf(err)).toEqual({ code: "UND_ERR_SOCKET", message: "other side closed" });
  });

  it("maps the SDK's timeout to ETIMEDOUT", () => {
    expect(failureInfoOf(new APIConnectionTimeoutError())).toEqual({ code: "ETIMEDOUT" });
  });
});

describe("toProviderError", () => {
  it("classifies and keeps secrets out of the message", () => {
    const body = { type: "error", error: { type: "authentication_error", message: `invalid key ${SECRET}` } };
    const err = toProviderError(APIError.generate(401, body, undefined, new Headers()), [SECRET]);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.failureClass).toBe("auth");
    expect(err.details).toEqual({ status: 401, errorType: "authentication_error" });
    expect(err.message).toBe("Anthropic API error 401 authentication_error: invalid key sk-ant-a…wxyz");
  });

  it("treats an unknown local error as a request error", () => {
    const err = toProviderError(new Error("Could not resolve authentication method"), []);
    expect(err.failureClass).toBe("request");
    expect(err.message).toContain("Could not resolve authentication method");
  });

  it("returns a ProviderError unchanged", () => {
    const original = new ProviderError("x", "billing");
    expect(toProviderError(original, [])).toBe(original);
  });
});
