import { GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { maskSecret } from "../../src/plugin-api.js";
import { isEntityParseError, isNotModifiedError, toSendError } from "./errors.js";

const token = "123456:ABCdefGhIJKlmnoPQRstuVWXyz0123456789";
const apiError = (error_code: number, description: string, parameters = {}) =>
  new GrammyError("Call to 'sendMessage' failed!", { ok: false, error_code, description, parameters }, "sendMessage", {});

describe("Telegram error helpers", () => {
  it("recognizes refused markup and no-op edits", () => {
    expect(isEntityParseError(apiError(400, "Bad Request: can't parse entities: Unclosed start tag at byte offset 0"))).toBe(true);
    expect(isEntityParseError(apiError(400, "Bad Request: chat not found"))).toBe(false);
    expect(isNotModifiedError(apiError(400, "Bad Request: message is not modified: specified new message content ..."))).toBe(true);
    expect(isNotModifiedError(new Error("message is not modified"))).toBe(false);
  });

  it("keeps Telegram's code, description and retry_after", () => {
    const err = toSendError(apiError(429, "Too Many Requests: retry after 9", { retry_after: 9 }), token);
    expect(err).toMatchObject({ errorCode: 429, description: "Too Many Requests: retry after 9", retryAfter: 9 });
  });

  it("masks the token a network error carries in its request URL", () => {
    const cause = new Error(`request to https://api.telegram.org/bot${token}/sendMessage failed, reason: ECONNRESET`);
    const err = toSendError(new HttpError("Network request for 'sendMessage' failed!", cause), token);
    expect(err.message).toContain(maskSecret(token));
    expect(err.message).not.toContain(token);
    expect(Object.values(err).join(" ")).not.toContain(token);
  });
});
