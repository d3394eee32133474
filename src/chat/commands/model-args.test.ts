import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { modelArgsToText, parseModelCommand } from "./model-args.js";

describe("parseModelCommand", () => {
  it.each([
    ["", { kind: "show" }],
    ["list", { kind: "list" }],
    ["STATUS", { kind: "status" }],
    ["default", { kind: "default" }],
    ["opus", { kind: "set", model: "opus" }],
    ["opus@anthropic:work", { kind: "set", model: "opus", profileId: "anthropic:work" }],
    ["@anthropic:work", { kind: "set", model: undefined, profileId: "anthropic:work" }],
    ["anthropic/claude-opus-4-5@anthropic:me@example.com", { kind: "set", model: "anthropic/claude-opus-4-5", profileId: "anthropic:me@example.com" }],
    ["a@b@c", { kind: "invalid" }],
    ["opus@", { kind: "invalid" }],
    ["opus@nocolon", { kind: "invalid" }],
    ["a b", { kind: "invalid" }],
    ["x".repeat(201), { kind: "invalid" }],
  ] as const)("%j", (input, expected) => {
    expect(parseModelCommand(input)).toMatchObject(expected);
  });
});

describe("modelArgsToText", () => {
  it("turns native options into the text form", () => {
    expect(modelArgsToText({ view: "status" })).toBe("status");
    expect(modelArgsToText({ model: "opus", profile: "anthropic:work" })).toBe("opus@anthropic:work");
    expect(modelArgsToText({ profile: "anthropic:work" })).toBe("@anthropic:work");
    expect(modelArgsToText({ model: "sonnet" })).toBe("sonnet");
  });
});

describe("parseModelCommand: model ids with slashes (OpenRouter)", () => {
  it.each([
    ["openrouter/anthropic/claude-opus-4.5", { kind: "set", model: "openrouter/anthropic/claude-opus-4.5" }],
    ["openrouter/anthropic/claude-opus-4.5@openrouter:default", { kind: "set", model: "openrouter/anthropic/claude-opus-4.5", profileId: "openrouter:default" }],
    ["openrouter/openai/gpt-4o:free@openrouter:team@example.com", { kind: "set", model: "openrouter/openai/gpt-4o:free", profileId: "openrouter:team@example.com" }],
    ["anthropic/claude-opus-4.5", { kind: "set", model: "anthropic/claude-opus-4.5" }],
  ] as const)("%j", (input, expected) => {
    expect(parseModelCommand(input)).toEqual(expected);
  });
});

/** Model ids as providers spell them: `provider/vendor/model[:variant]`, dots, dashes, underscores. */
const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,15}$/);
const modelRef = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.option(fc.stringMatching(/^[a-z0-9-]{1,8}$/), { nil: undefined }))
  .map(([parts, variant]) => `${parts.join("/")}${variant ? `:${variant}` : ""}`)
  .filter((ref) => !["list", "status", "default", "reset"].includes(ref));
/** Profile ids are `<provider>:<name>`; the name may contain `:` and `@`. */
const profileId = fc.tuple(fc.stringMatching(/^[a-z0-9_-]{1,12}$/), fc.stringMatching(/^[a-z0-9@:._-]{1,20}$/)).map(([provider, name]) => `${provider}:${name}`);

describe("parseModelCommand properties", () => {
  it("a model ref, with any number of slashes, parses as itself", () => {
    fc.assert(
      fc.property(modelRef, (ref) => {
        expect(parseModelCommand(ref)).toEqual({ kind: "set", model: ref });
      }),
    );
  });

  it("model@profile splits at the first @: the model keeps its slashes, the profile its @ and :", () => {
    fc.assert(
      fc.property(modelRef, profileId, (ref, profile) => {
        expect(parseModelCommand(`${ref}@${profile}`)).toEqual({ kind: "set", model: ref, profileId: profile });
        expect(parseModelCommand(`@${profile}`)).toEqual({ kind: "set", model: undefined, profileId: profile });
      }),
    );
  });

  it("the native options' text form parses back to the same model and profile", () => {
    fc.assert(
      fc.property(modelRef, fc.option(profileId, { nil: undefined }), (model, profile) => {
        const parsed = parseModelCommand(modelArgsToText(profile ? { model, profile } : { model }));
        expect(parsed).toEqual(profile ? { kind: "set", model, profileId: profile } : { kind: "set", model });
      }),
    );
  });

  it("never throws, and anything over 200 characters or with whitespace is invalid", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const parsed = parseModelCommand(text);
        const trimmed = text.trim();
        if (trimmed.length > 200 || /\s/.test(trimmed)) expect(parsed.kind).toBe("invalid");
        if (parsed.kind === "set" && parsed.profileId) expect(parsed.profileId).toMatch(/^[a-z0-9_-]+:\S+$/i);
      }),
    );
  });
});
