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
