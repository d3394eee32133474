import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../agents/turn.js";
import { fallbackNotice, withNotice } from "./fallback-notice.js";

const OPUS = "anthropic/claude-opus-5-5";
const HAIKU = "anthropic/claude-haiku-5-5";
const sub = (model: string, failureClass?: AttemptRecord["failureClass"]): AttemptRecord => ({ model, profileId: "anthropic:sub", credentialType: "authToken", ...(failureClass ? { failureClass } : {}) });
const paid = (model: string, failureClass?: AttemptRecord["failureClass"]): AttemptRecord => ({ model, profileId: "anthropic:paid", credentialType: "apiKey", ...(failureClass ? { failureClass } : {}) });
const key2 = (model: string): AttemptRecord => ({ model, profileId: "anthropic:other", credentialType: "apiKey" });

describe("fallbackNotice", () => {
  it.each<[string, { requestedModel: string; model: string; profileId: string; attempts: AttemptRecord[] }, string | undefined]>([
    ["first choice answered", { requestedModel: OPUS, model: OPUS, profileId: "anthropic:sub", attempts: [sub(OPUS)] }, undefined],
    ["same type after a retry", { requestedModel: OPUS, model: OPUS, profileId: "anthropic:other", attempts: [paid(OPUS, "rate_limit"), key2(OPUS)] }, undefined],
    [
      "subscription -> paid key",
      { requestedModel: OPUS, model: OPUS, profileId: "anthropic:paid", attempts: [sub(OPUS, "auth"), paid(OPUS)] },
      "(Answered with API key anthropic:paid — your subscription was unavailable.)",
    ],
    [
      "paid key -> subscription",
      { requestedModel: OPUS, model: OPUS, profileId: "anthropic:sub", attempts: [paid(OPUS, "billing"), sub(OPUS)] },
      "(Answered with subscription anthropic:sub — API key anthropic:paid was unavailable.)",
    ],
    [
      "fallback model, same profile",
      { requestedModel: OPUS, model: HAIKU, profileId: "anthropic:paid", attempts: [paid(OPUS, "overloaded"), paid(HAIKU)] },
      "(Answered by claude-haiku-5-5 — claude-opus-5-5 was unavailable.)",
    ],
    [
      "fallback model without an attempt on the first (every profile cooling down)",
      { requestedModel: OPUS, model: HAIKU, profileId: "anthropic:paid", attempts: [paid(HAIKU)] },
      "(Answered by claude-haiku-5-5 — claude-opus-5-5 was unavailable.)",
    ],
    [
      "fallback model and a paid key",
      { requestedModel: OPUS, model: HAIKU, profileId: "anthropic:paid", attempts: [sub(OPUS, "rate_limit"), paid(HAIKU)] },
      "(Answered by claude-haiku-5-5 with API key anthropic:paid — claude-opus-5-5 was unavailable.)",
    ],
    [
      "a fallback on another provider",
      { requestedModel: OPUS, model: "openrouter/anthropic/claude-opus-4.5", profileId: "openrouter:default", attempts: [sub(OPUS, "auth"), { model: "openrouter/anthropic/claude-opus-4.5", profileId: "openrouter:default", credentialType: "apiKey" }] },
      "(Answered by anthropic/claude-opus-4.5 with API key openrouter:default — claude-opus-5-5 was unavailable.)",
    ],
    ["attempts without types (older records)", { requestedModel: OPUS, model: OPUS, profileId: "b", attempts: [{ model: OPUS, profileId: "a" }, { model: OPUS, profileId: "b" }] }, undefined],
  ])("%s", (_name, turn, expected) => {
    expect(fallbackNotice(turn)).toBe(expected);
  });
});

describe("fallbackNotice, any turn", () => {
  const ref = fc.constantFrom(OPUS, HAIKU, "openrouter/anthropic/claude-opus-4.5");
  const attempt = fc.record({ model: ref, profileId: fc.constantFrom("anthropic:sub", "anthropic:paid", "x"), credentialType: fc.option(fc.constantFrom("apiKey" as const, "authToken" as const), { nil: undefined }) });
  it("is absent, or one line in parentheses; absent when the first choice answered", () => {
    fc.assert(
      fc.property(ref, fc.array(attempt, { minLength: 1, maxLength: 5 }), (requestedModel, attempts) => {
        const last = attempts.at(-1)!;
        const notice = fallbackNotice({ requestedModel, model: last.model, profileId: last.profileId, attempts });
        if (attempts.length === 1 && last.model === requestedModel) expect(notice).toBeUndefined();
        if (notice !== undefined) expect(notice).toMatch(/^\(Answered [^\n]+\.\)$/);
      }),
    );
  });
});

describe("withNotice", () => {
  it("adds the notice on its own line after the text, trailing space trimmed", () => {
    expect(withNotice("Hello.\n\n", "(Answered by x — y was unavailable.)")).toBe("Hello.\n\n(Answered by x — y was unavailable.)");
    expect(withNotice("Hello.", undefined)).toBe("Hello.");
  });
});
