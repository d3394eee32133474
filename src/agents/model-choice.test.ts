import { describe, expect, it } from "vitest";
import { allowedModels, lookupModel } from "./model-choice.js";

const catalog = allowedModels(undefined);
const configured = allowedModels({ "anthropic/claude-opus-4-5": { alias: "opus" }, "claude-haiku-4-5": { alias: "fast" } });

describe("allowedModels", () => {
  it("is the configured allowlist when non-empty, keys normalized to provider/model", () => {
    expect(configured).toEqual([
      { ref: "anthropic/claude-opus-4-5", alias: "opus" },
      { ref: "anthropic/claude-haiku-4-5", alias: "fast" },
    ]);
  });
  it("is the catalog with its aliases otherwise", () => {
    expect(catalog.find((m) => m.alias === "sonnet")?.ref).toBe("anthropic/claude-sonnet-4-5");
  });
});

describe("lookupModel", () => {
  it.each([
    ["opus", "anthropic/claude-opus-4-5"],
    ["OPUS", "anthropic/claude-opus-4-5"],
    ["anthropic/claude-haiku-4-5", "anthropic/claude-haiku-4-5"],
    ["claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"],
    ["sonet", "anthropic/claude-sonnet-4-5"],
    ["opsu", "anthropic/claude-opus-4-5"],
    ["haiku", "anthropic/claude-haiku-4-5"],
  ])("%s -> %s", (input, ref) => {
    const found = lookupModel(input, catalog);
    expect(found.kind).toBe("found");
    if (found.kind === "found") expect(found.model.ref).toBe(ref);
  });

  it("answers an ambiguous name with the candidates", () => {
    const found = lookupModel("claude", catalog);
    expect(found.kind).toBe("ambiguous");
    if (found.kind === "ambiguous") expect(found.candidates.length).toBeGreaterThan(1);
  });

  it("refuses what is not allowed, even when the catalog knows it", () => {
    expect(lookupModel("sonnet", configured).kind).toBe("unknown");
    expect(lookupModel("../../etc/passwd", catalog).kind).toBe("unknown");
  });
});
