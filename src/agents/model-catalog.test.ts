import { describe, expect, it } from "vitest";
import { aliasTarget, builtInModel, isRetired, MODEL_CATALOG, normalizeModelRef, replacementFor } from "./catalog.js";
import { agentSettings } from "./agents.js";
import { BatonConfig } from "../config/schema.js";
import { lifecycleMark, lifecycleOf, mergeCatalog } from "./model-catalog.js";

const DEC_5 = Date.parse("2026-12-05T04:00:00Z");

describe("built-in catalog", () => {
  it("puts the aliases on current models, none of them retired or retiring", () => {
    expect(aliasTarget("opus")).toBe("anthropic/claude-opus-5-5");
    expect(aliasTarget("sonnet")).toBe("anthropic/claude-sonnet-5-5");
    expect(aliasTarget("haiku")).toBe("anthropic/claude-haiku-5-5");
    for (const m of MODEL_CATALOG.filter((m) => m.alias)) expect(m.endOfLife).toBeUndefined();
  });

  it("resolves a bare alias in refs (config model choices) to the current model; ids and provider refs stay", () => {
    expect(normalizeModelRef("sonnet")).toBe("anthropic/claude-sonnet-5-5");
    expect(normalizeModelRef("OPUS")).toBe("anthropic/claude-opus-5-5");
    expect(normalizeModelRef("claude-haiku-4-5")).toBe("anthropic/claude-haiku-4-5");
    expect(normalizeModelRef("openrouter/anthropic/claude-opus-4.5")).toBe("openrouter/anthropic/claude-opus-4.5");
    const settings = agentSettings(BatonConfig.parse({ agents: { defaults: { model: { primary: "haiku", fallbacks: ["sonnet"] } } } }), "main");
    expect([settings.primary, ...settings.fallbacks]).toEqual(["anthropic/claude-haiku-5-5", "anthropic/claude-sonnet-5-5"]);
  });

  it("has one entry per ref and well-formed dates", () => {
    expect(new Set(MODEL_CATALOG.map((m) => m.ref)).size).toBe(MODEL_CATALOG.length);
    for (const m of MODEL_CATALOG) if (m.endOfLife) expect(m.endOfLife).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it.each([
    ["anthropic/claude-sonnet-4-5", "2026-11-30", true],
    ["claude-sonnet-4-5-20250929", "2026-11-30", true],
    ["anthropic/claude-sonnet-4-20250514", "2026-06-15", true],
    ["anthropic/claude-opus-4-1", "2026-08-05", true],
    ["anthropic/claude-opus-4-5", "2027-01-22", false],
    ["anthropic/claude-opus-5-5", undefined, false],
  ])("%s: end of life %s, retired on 2026-12-05: %s", (ref, endOfLife, retired) => {
    expect(builtInModel(ref)?.endOfLife).toBe(endOfLife);
    expect(isRetired(builtInModel(ref)?.endOfLife, DEC_5)).toBe(retired);
  });

  it("is retired from the first moment of the end-of-life day (UTC)", () => {
    expect(isRetired("2026-11-30", Date.parse("2026-11-29T23:59:59.999Z"))).toBe(false);
    expect(isRetired("2026-11-30", Date.parse("2026-11-30T00:00:00Z"))).toBe(true);
    expect(isRetired("30/11/2026", DEC_5)).toBe(false);
    expect(isRetired(undefined, DEC_5)).toBe(false);
  });

  it("suggests the current model of the same line", () => {
    expect(replacementFor("anthropic/claude-sonnet-4-5")?.ref).toBe("anthropic/claude-sonnet-5-5");
    expect(replacementFor("claude-opus-4-1")?.alias).toBe("opus");
    expect(replacementFor("anthropic/claude-sonnet-5-5")).toBeUndefined();
    expect(replacementFor("openrouter/x/y")).toBeUndefined();
  });
});

describe("mergeCatalog", () => {
  it("is the built-in table when no provider list is known", () => {
    const merged = mergeCatalog([], DEC_5);
    expect(merged.map((e) => e.ref)).toEqual(MODEL_CATALOG.map((m) => m.ref));
    expect(merged.find((e) => e.ref === "anthropic/claude-sonnet-4-5")).toMatchObject({ retired: true, endOfLife: "2026-11-30", builtIn: true, listed: false });
  });

  it("takes the provider's names, dates and lifecycle; aliases stay built-in; new models follow, newest first", () => {
    const merged = mergeCatalog(
      [
        {
          provider: "anthropic",
          models: [
            { id: "claude-older-1", createdAt: "2026-01-01T00:00:00Z" },
            { id: "claude-opus-5-5", displayName: "Claude Opus 5.5 (live)" },
            { id: "claude-haiku-5-5", retiresAt: "2027-03-01T00:00:00Z", lifecycle: "deprecated" },
            { id: "claude-newer-2", displayName: "Newer", createdAt: "2026-11-01T00:00:00Z" },
            { id: "claude-gone", lifecycle: "retired" },
          ],
        },
      ],
      DEC_5,
    );
    expect(merged.find((e) => e.ref === "anthropic/claude-opus-5-5")).toMatchObject({ alias: "opus", name: "Claude Opus 5.5 (live)", listed: true, builtIn: true, retired: false });
    expect(merged.find((e) => e.ref === "anthropic/claude-haiku-5-5")).toMatchObject({ alias: "haiku", endOfLife: "2027-03-01", retired: false });
    expect(merged.slice(MODEL_CATALOG.length).map((e) => e.ref)).toEqual(["anthropic/claude-newer-2", "anthropic/claude-older-1", "anthropic/claude-gone"]);
    expect(merged.find((e) => e.ref === "anthropic/claude-gone")).toMatchObject({ retired: true, builtIn: false });
  });

  it("lifecycleOf reads the merged catalog, snapshots included, and the built-in table otherwise", () => {
    const merged = mergeCatalog([{ provider: "anthropic", models: [{ id: "claude-x", retiresAt: "2026-12-01" }] }], DEC_5);
    expect(lifecycleOf("claude-x", merged, DEC_5)).toEqual({ endOfLife: "2026-12-01", retired: true });
    expect(lifecycleOf("anthropic/claude-sonnet-4-5-20250929", merged, DEC_5)).toEqual({ endOfLife: "2026-11-30", retired: true });
    expect(lifecycleOf("anthropic/claude-sonnet-4-5", undefined, DEC_5)).toEqual({ endOfLife: "2026-11-30", retired: true });
    expect(lifecycleOf("openrouter/anthropic/claude-opus-4.5", merged, DEC_5)).toEqual({ retired: false });
  });

  it("marks", () => {
    expect(lifecycleMark({ endOfLife: "2026-11-30", retired: true })).toBe("retired 2026-11-30");
    expect(lifecycleMark({ endOfLife: "2027-01-22", retired: false })).toBe("retires 2027-01-22");
    expect(lifecycleMark({ retired: true })).toBe("retired");
    expect(lifecycleMark({ retired: false })).toBe("");
  });
});
