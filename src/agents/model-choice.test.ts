import { describe, expect, it } from "vitest";
import { allowedModels, lookupModel } from "./model-choice.js";

const catalog = allowedModels(undefined);
const configured = allowedModels({ "anthropic/claude-opus-4-5": { alias: "opus" }, "claude-haiku-4-5": { alias: "fast" } });

describe("allowedModels", () => {
  it("is the configured allowlist when non-empty, keys normalized to provider/model", () => {
    expect(configured).toEqual([
      { ref: "anthropic/claude-opus-4-5", alias: "opus", endOfLife: "2027-01-22" },
      { ref: "anthropic/claude-haiku-4-5", alias: "fast" },
    ]);
  });
  it("is the catalog with its aliases otherwise", () => {
    expect(catalog.find((m) => m.alias === "sonnet")?.ref).toBe("anthropic/claude-sonnet-5-5");
  });
  it("carries end-of-life dates: retired past the date, not before", () => {
    const dec5 = Date.parse("2026-12-05T04:00:00Z");
    const models = allowedModels({ "anthropic/claude-sonnet-4-5": {}, "anthropic/claude-opus-4-5": {}, "anthropic/claude-opus-5-5": {} }, undefined, dec5);
    expect(models).toEqual([
      { ref: "anthropic/claude-sonnet-4-5", endOfLife: "2026-11-30", retired: true },
      { ref: "anthropic/claude-opus-4-5", endOfLife: "2027-01-22" },
      { ref: "anthropic/claude-opus-5-5" },
    ]);
    expect(allowedModels({ "claude-sonnet-4-5": {} }, undefined, Date.parse("2026-11-29T23:59:59Z"))[0].retired).toBeUndefined();
  });
});

describe("lookupModel", () => {
  it.each([
    ["opus", "anthropic/claude-opus-5-5"],
    ["OPUS", "anthropic/claude-opus-5-5"],
    ["anthropic/claude-haiku-4-5", "anthropic/claude-haiku-4-5"],
    ["claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"],
    ["sonet", "anthropic/claude-sonnet-5-5"],
    ["opsu", "anthropic/claude-opus-5-5"],
    ["haiku", "anthropic/claude-haiku-5-5"],
    ["sonnet", "anthropic/claude-sonnet-5-5"],
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

describe("model ids with slashes (OpenRouter)", () => {
  const OR = "openrouter/anthropic/claude-opus-4.5";
  const withFallback = allowedModels(undefined, undefined, Date.now(), ["anthropic/claude-opus-4-5", OR, "claude-haiku-4-5"]);

  it("the agent's own primary and fallbacks are offered after the catalog, once each", () => {
    expect(withFallback.filter((m) => m.ref === OR)).toEqual([{ ref: OR }]);
    expect(withFallback.at(-1)).toEqual({ ref: OR });
    expect(withFallback.filter((m) => m.ref === "anthropic/claude-haiku-4-5")).toHaveLength(1);
    expect(allowedModels({ "anthropic/claude-opus-4-5": {} }, undefined, Date.now(), [OR]).map((m) => m.ref)).toEqual(["anthropic/claude-opus-4-5"]);
  });

  it.each([
    [OR, OR],
    ["anthropic/claude-opus-4.5", OR],
    ["claude-opus-4.5", OR],
    ["anthropic/claude-opus-4-5", "anthropic/claude-opus-4-5"],
  ])("%s -> %s", (input, ref) => {
    const found = lookupModel(input, withFallback);
    expect(found.kind).toBe("found");
    if (found.kind === "found") expect(found.model.ref).toBe(ref);
  });

  it("an exact ref wins over another provider's model of the same id", () => {
    const both = [{ ref: "anthropic/claude-x" }, { ref: "openrouter/anthropic/claude-x" }];
    expect(lookupModel("anthropic/claude-x", both)).toEqual({ kind: "found", model: { ref: "anthropic/claude-x" } });
    expect(lookupModel("openrouter/anthropic/claude-x", both)).toEqual({ kind: "found", model: { ref: "openrouter/anthropic/claude-x" } });
  });
});

describe("lookupModel: full refs of providers Baton can call", () => {
  const accept = { acceptRefOf: (provider: string) => ["anthropic", "openrouter"].includes(provider) };
  const listed = [{ ref: "anthropic/claude-opus-5-5", alias: "opus" }, { ref: "openrouter/anthropic/claude-opus-4.5" }];

  it.each([
    ["openrouter/anthropic/claude-opus-4.6", "openrouter/anthropic/claude-opus-4.6"],
    ["openrouter/openai/gpt-4o:free", "openrouter/openai/gpt-4o:free"],
    ["openrouter/anthropic/claude-opus-4.5", "openrouter/anthropic/claude-opus-4.5"],
    ["opus", "anthropic/claude-opus-5-5"],
  ])("%s -> %s", (input, ref) => {
    expect(lookupModel(input, listed, accept)).toEqual({ kind: "found", model: expect.objectContaining({ ref }) });
  });

  it("never corrects a full ref into another provider's or a neighbouring model; unknown providers and bare names are not taken as typed", () => {
    expect(lookupModel("openrouter/anthropic/claude-opus-4.6", listed)).not.toEqual({ kind: "found", model: { ref: "openrouter/anthropic/claude-opus-4.6" } });
    expect(lookupModel("mistral/large", listed, accept).kind).not.toBe("found");
    const empty = lookupModel("openrouter/", listed, accept);
    expect(empty.kind === "found" ? empty.model.ref : undefined).not.toBe("openrouter/");
  });
});
