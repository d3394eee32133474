import { describe, expect, it } from "vitest";
import { PromptCache } from "./prompt-cache.js";
import type { PromptBlock } from "./validate.js";

const block = (key: string, tokens: number, cacheTtl?: "5m" | "1h"): PromptBlock => ({ key, tokens, cacheTtl });

describe("PromptCache", () => {
  it("reads a prefix cached at an earlier breakpoint by looking back from a later one", () => {
    let now = 0;
    const cache = new PromptCache(() => now);
    const turn1 = cache.use("k", "m", [block("S", 100, "5m"), block("u1", 10, "5m")]);
    expect(turn1).toMatchObject({ inputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 110 });

    now += 1000;
    const turn2 = cache.use("k", "m", [block("S", 100, "5m"), block("u1", 10), block("a1", 20), block("u2", 5, "5m")]);
    expect(turn2).toMatchObject({ cacheReadTokens: 110, cacheCreationTokens: 25, inputTokens: 0 });
  });

  it("does not share entries across models or scopes", () => {
    const cache = new PromptCache(() => 0);
    cache.use("k", "m1", [block("S", 100, "5m")]);
    expect(cache.use("k", "m2", [block("S", 100, "5m")]).cacheReadTokens).toBe(0);
    expect(cache.use("other", "m1", [block("S", 100, "5m")]).cacheReadTokens).toBe(0);
  });

  it("counts tokens after the last breakpoint as plain input and splits creation by TTL", () => {
    const cache = new PromptCache(() => 0);
    const usage = cache.use("k", "m", [block("S", 100, "1h"), block("u1", 10, "5m"), block("tail", 7)]);
    expect(usage.cacheCreation).toEqual({ ephemeral_1h_input_tokens: 100, ephemeral_5m_input_tokens: 10 });
    expect(usage.inputTokens).toBe(7);
  });

  it("refreshes the TTL of an entry on a hit", () => {
    let now = 0;
    const cache = new PromptCache(() => now);
    const blocks = [block("S", 100, "5m")];
    cache.use("k", "m", blocks);
    now = 4 * 60_000;
    expect(cache.use("k", "m", blocks).cacheReadTokens).toBe(100);
    now = 8 * 60_000;
    expect(cache.use("k", "m", blocks).cacheReadTokens).toBe(100);
  });
});
