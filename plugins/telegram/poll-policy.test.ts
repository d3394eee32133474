import { GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { classifyPollFailure, POLL_BACKOFF, pollRetryDelayMs } from "./poll-policy.js";

const answer = (error_code: unknown, parameters?: unknown) =>
  new GrammyError("Call to 'getUpdates' failed!", { ok: false, error_code, description: "d", parameters } as never, "getUpdates", {});

describe("classifyPollFailure", () => {
  it("ends polling on a conflict or a refused token, waits out everything else", () => {
    for (const code of [401, 403, 404, 409]) expect(classifyPollFailure(answer(code)), String(code)).toBe("fatal");
    for (const code of [400, 420, 429, 500, 502, undefined, "409"]) expect(classifyPollFailure(answer(code)), String(code)).toBe("retry");
    expect(classifyPollFailure(new HttpError("Network request for 'getUpdates' failed!", new Error("ECONNRESET")))).toBe("retry");
    expect(classifyPollFailure(new TypeError("Cannot read properties of null"))).toBe("retry");
    expect(classifyPollFailure(null)).toBe("retry");
  });
});

describe("pollRetryDelayMs", () => {
  it("doubles from 1 s to 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => pollRetryDelayMs(n, new Error("x"), POLL_BACKOFF))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it("honours a 429's retry_after up to a minute, and ignores one that makes no sense", () => {
    expect(pollRetryDelayMs(1, answer(429, { retry_after: 5 }), POLL_BACKOFF)).toBe(5000);
    expect(pollRetryDelayMs(1, answer(429, { retry_after: 86_400 }), POLL_BACKOFF)).toBe(60_000);
    expect(pollRetryDelayMs(6, answer(429, { retry_after: 1 }), POLL_BACKOFF)).toBe(30_000);
    for (const odd of [-5, "10", null, Number.NaN, { a: 1 }]) {
      expect(pollRetryDelayMs(1, answer(429, { retry_after: odd }), POLL_BACKOFF), String(odd)).toBe(1000);
    }
    expect(pollRetryDelayMs(1, answer(429, "not an object"), POLL_BACKOFF)).toBe(1000);
  });
});
