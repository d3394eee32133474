import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatonConfig } from "../config/schema.js";
import { MODEL_CATALOG } from "../agents/catalog.js";
import { BUILTIN_PRICES, costUsd, priceFor } from "./pricing.js";

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

describe("costUsd", () => {
  it.each([
    // ref, usage, expected USD
    ["anthropic/claude-opus-4-5", usage(1_000_000, 0), 5],
    ["anthropic/claude-opus-4-5", usage(0, 1_000_000), 25],
    ["anthropic/claude-opus-4-5", usage(0, 0, 1_000_000), 0.5],
    ["anthropic/claude-opus-4-5", usage(0, 0, 0, 1_000_000), 6.25],
    ["anthropic/claude-sonnet-4-5", usage(1000, 500, 2000, 100), (1000 * 3 + 500 * 15 + 2000 * 0.3 + 100 * 3.75) / 1e6],
    ["anthropic/claude-haiku-4-5", usage(10, 20), (10 * 1 + 20 * 5) / 1e6],
    ["anthropic/claude-opus-4-1", usage(1_000_000, 1_000_000), 90],
    ["anthropic/claude-haiku-4-5-20251001", usage(1_000_000, 0), 1],
    ["claude-sonnet-4-5", usage(1_000_000, 0), 3],
    ["openrouter/anthropic/claude-opus-4.5", usage(0, 1_000_000), 25],
    ["openrouter/anthropic/claude-3.5-haiku", usage(1_000_000, 0), 0.8],
    ["anthropic/claude-opus-4-5", usage(0, 0), 0],
    ["anthropic/claude-opus-5-5", usage(1_000_000, 1_000_000, 1_000_000, 1_000_000), 4 + 20 + 0.2 + 5],
    ["anthropic/claude-sonnet-5-5", usage(1_000_000, 1_000_000, 1_000_000, 1_000_000), 2 + 10 + 0.1 + 2.5],
    ["anthropic/claude-haiku-5-5", usage(1_000_000, 1_000_000, 1_000_000, 1_000_000), 0.1 + 0.5 + 0.01 + 0.125],
    ["anthropic/claude-fable-5-1", usage(1_000_000, 1_000_000, 1_000_000, 1_000_000), 10 + 50 + 0.25 + 12.5],
    ["openrouter/anthropic/claude-sonnet-5.5", usage(0, 1_000_000), 10],
  ] as const)("%s %o → %d", (ref, tokens, expected) => {
    expect(costUsd(undefined, ref, tokens)).toBeCloseTo(expected, 12);
  });

  it.each(["anthropic/claude-unknown-9", "openrouter/claude-opus-4-5", "openai/gpt-5", "anthropic/", "", "/"])("an unknown model %j has no cost (undefined, never 0)", (ref) => {
    expect(costUsd(undefined, ref, usage(100, 100))).toBeUndefined();
  });

  it("prices every model of the built-in catalog", () => {
    expect(MODEL_CATALOG.filter((model) => !priceFor(undefined, model.ref)).map((model) => model.ref)).toEqual([]);
  });

  it("counts odd token values (negative, NaN, Infinity) as 0", () => {
    expect(costUsd(undefined, "anthropic/claude-opus-4-5", usage(-5, Number.NaN, Number.POSITIVE_INFINITY, 1_000_000))).toBe(6.25);
  });
});

describe("models.pricing overrides", () => {
  const config = BatonConfig.parse({
    models: {
      pricing: {
        "anthropic/claude-opus-4-5": { input: 1, output: 2, cacheRead: 0.1, cacheWrite: 1.5 },
        "openrouter/meta-llama/llama-4-maverick": { input: 0.2, output: 0.6, cacheRead: 0, cacheWrite: 0 },
      },
    },
  });

  it("replaces a built-in price", () => {
    expect(costUsd(config, "anthropic/claude-opus-4-5", usage(1_000_000, 1_000_000))).toBe(3);
    expect(priceFor(config, "anthropic/claude-opus-4-5-20251101")).toEqual({ input: 1, output: 2, cacheRead: 0.1, cacheWrite: 1.5 });
  });

  it("prices a model the table does not know, splitting its ref at the first /", () => {
    expect(costUsd(config, "openrouter/meta-llama/llama-4-maverick", usage(1_000_000, 1_000_000))).toBeCloseTo(0.8, 12);
  });

  it("leaves other models on the built-in table", () => {
    expect(priceFor(config, "anthropic/claude-sonnet-4-5")).toBe(BUILTIN_PRICES["anthropic/claude-sonnet-4-5"]);
  });

  it("is validated: keys are <provider>/<model>, prices non-negative numbers, all four given", () => {
    expect(BatonConfig.safeParse({ models: { pricing: { "claude-opus-4-5": { input: 1, output: 1, cacheRead: 1, cacheWrite: 1 } } } }).success).toBe(false);
    expect(BatonConfig.safeParse({ models: { pricing: { "anthropic/x": { input: -1, output: 1, cacheRead: 1, cacheWrite: 1 } } } }).success).toBe(false);
    expect(BatonConfig.safeParse({ models: { pricing: { "anthropic/x": { input: 1, output: 1 } } } }).success).toBe(false);
  });

  it("an inherited object key is no price", () => {
    expect(priceFor(config, "anthropic/constructor")).toBeUndefined();
    expect(priceFor(undefined, "__proto__/x")).toBeUndefined();
  });
});

describe("costUsd (properties)", () => {
  const tokens = fc.nat({ max: 100_000_000 });
  const usageArb = fc.record({ inputTokens: tokens, outputTokens: tokens, cacheReadTokens: tokens, cacheWriteTokens: tokens });
  const ref = fc.constantFrom(...Object.keys(BUILTIN_PRICES));

  it("is non-negative and adds up: the cost of two turns is the sum of their costs", () => {
    fc.assert(
      fc.property(ref, usageArb, usageArb, (model, a, b) => {
        const sum = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens, cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens };
        const [ca, cb, cs] = [costUsd(undefined, model, a)!, costUsd(undefined, model, b)!, costUsd(undefined, model, sum)!];
        expect(ca).toBeGreaterThanOrEqual(0);
        expect(cs).toBeCloseTo(ca + cb, 6);
      }),
    );
  });
});
