import fc from "fast-check";
import { GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { maskSecret } from "../../src/plugin-api.js";
import { describeError, errorCodeOf, isEntityParseError, isNotModifiedError, redactToken, retryAfterOf, toSendError } from "./errors.js";

const token = "123456:ABCdefGhIJKlmnoPQRstuVWXyz0123456789";
const apiError = (error_code: number, description: string, parameters = {}) =>
  new GrammyError("Call to 'sendMessage' failed!", { ok: false, error_code, description, parameters }, "sendMessage", {});

/** A GrammyError built from whatever body a proxy or emulator answered, as grammY builds it. */
const fromBody = (body: unknown, method = "setMyCommands") => new GrammyError(`Call to '${method}' failed!`, body as never, method, {});

describe("Telegram error helpers", () => {
  it("recognizes refused markup and no-op edits", () => {
    expect(isEntityParseError(apiError(400, "Bad Request: can't parse entities: Unclosed start tag at byte offset 0"))).toBe(true);
    expect(isEntityParseError(apiError(400, "Bad Request: chat not found"))).toBe(false);
    expect(isNotModifiedError(apiError(400, "Bad Request: message is not modified: specified new message content ..."))).toBe(true);
    expect(isNotModifiedError(new Error("message is not modified"))).toBe(false);
    expect(isEntityParseError(fromBody({ ok: false, error_code: 400 }))).toBe(false);
  });

  it("keeps Telegram's code, description and retry_after", () => {
    const err = toSendError(apiError(429, "Too Many Requests: retry after 9", { retry_after: 9 }), token);
    expect(err).toMatchObject({ errorCode: 429, description: "Too Many Requests: retry after 9", retryAfter: 9 });
    expect(err.message).toBe("Call to 'sendMessage' failed! (429: Too Many Requests: retry after 9)");
  });

  it("masks the token a network error carries in its request URL", () => {
    const cause = new Error(`request to https://api.telegram.org/bot${token}/sendMessage failed, reason: ECONNRESET`);
    const err = toSendError(new HttpError("Network request for 'sendMessage' failed!", cause), token);
    expect(err.message).toContain(maskSecret(token));
    expect(err.message).not.toContain(token);
    expect(Object.values(err).join(" ")).not.toContain(token);
  });

  it("masks the secret half of the token on its own too (a percent-encoded colon)", () => {
    const text = redactToken(`GET /bot${encodeURIComponent(token)}/getMe`, token);
    expect(text).not.toContain(token.split(":")[1]);
  });

  it("describes Bot API answers without description, error_code or parameters", () => {
    // What grammY makes of a proxy's 500 {"message": ...}, of {"ok":false}, and of a bare error_code.
    expect(describeError(fromBody({ message: "upstream down" }), token)).toBe(
      "Call to 'setMyCommands' failed! (the Bot API answered without an error code or description)",
    );
    expect(describeError(fromBody({ ok: false }), token)).toMatch(/without an error code or description/);
    expect(toSendError(fromBody({ ok: false, error_code: 500 }), token)).toMatchObject({
      message: "Call to 'setMyCommands' failed! (500: no description)",
      errorCode: 500,
      description: undefined,
      retryAfter: undefined,
    });
    const odd = fromBody({ ok: false, error_code: "429", description: 42, parameters: { retry_after: "soon" } });
    expect(toSendError(odd, token)).toMatchObject({ errorCode: undefined, description: undefined, retryAfter: undefined });
    expect(errorCodeOf(odd)).toBeUndefined();
    expect(retryAfterOf(fromBody({ ok: false, error_code: 429, parameters: null }))).toBeUndefined();
  });

  it("cuts a description as long as an HTML error page", () => {
    const err = toSendError(apiError(502, `<html>${"x".repeat(10_000)}</html>`), token);
    expect(err.message.length).toBeLessThan(700);
  });

  it("never throws, whatever it is given, and never returns the token", () => {
    const throwing = new Proxy(
      {},
      {
        get: () => {
          throw new Error("get");
        },
        getPrototypeOf: () => {
          throw new Error("prototype");
        },
        ownKeys: () => {
          throw new Error("keys");
        },
      },
    );
    const getterThrows = Object.defineProperty(new Error("x"), "message", {
      get: () => {
        throw new Error("message getter");
      },
    });
    const grammyGetterThrows = Object.defineProperty(apiError(400, "x"), "description", {
      get: () => {
        throw new Error("description getter");
      },
    });
    const primitiveThrows = { [Symbol.toPrimitive]: () => { throw new Error("toPrimitive"); }, toJSON: () => { throw new Error("toJSON"); } };
    const noPrototype = Object.assign(Object.create(null) as object, { a: 1 });
    const tokenWord = fc.tuple(fc.integer({ min: 100_000, max: 9_999_999_999 }), fc.stringMatching(/^[A-Za-z0-9_-]{35}$/)).map(([id, secret]) => `${id}:${secret}`);
    const weird = fc.constantFrom<unknown>(throwing, getterThrows, grammyGetterThrows, primitiveThrows, noPrototype, undefined, null, Symbol("s"), 10n);
    // Any field values at all (grammY's own constructor would throw on some, e.g. {"toString": 1}).
    const grammy = fc
      .record({ error_code: fc.anything(), description: fc.anything(), parameters: fc.anything(), method: fc.anything() }, { requiredKeys: [] })
      .map((fields) => Object.assign(fromBody({ ok: false, error_code: 400, description: "x" }, "getUpdates"), fields));
    // The token may appear anywhere in what is described: a message, a network error's URL, a description.
    const cases = fc.tuple(tokenWord, fc.string()).chain(([tok, text]) =>
      fc.record({
        tok: fc.constant(tok),
        text: fc.constant(text),
        subject: fc.oneof(
          fc.anything(),
          weird,
          grammy,
          fc.constantFrom<unknown>(
            new Error(`${text}${tok}${text}`),
            `${text}${tok}`,
            new HttpError("Network request for 'getMe' failed!", new Error(`request to /bot${tok}/getMe failed`)),
            fromBody({ ok: false, error_code: 400, description: `Bad Request: ${text}${tok}` }),
          ),
        ),
      }),
    );
    fc.assert(
      fc.property(cases, ({ tok, text, subject }) => {
        const err = toSendError(subject, tok);
        expect(typeof err.message).toBe("string");
        expect(err.message).not.toContain(tok);
        expect(describeError(subject, tok)).not.toContain(tok);
        expect(String(err.description ?? "")).not.toContain(tok);
        isEntityParseError(subject);
        isNotModifiedError(subject);
        errorCodeOf(subject);
        retryAfterOf(subject);
        expect(redactToken(`${text}${tok}`, tok)).not.toContain(tok);
      }),
      { numRuns: 1000 },
    );
  });
});
