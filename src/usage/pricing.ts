import type { Usage } from "../providers/types.js";

/** USD per million tokens. `cacheWrite` is the 5-minute cache-write rate (Anthropic's default TTL). */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** The part of the config pricing reads: `models.pricing["<provider>/<model>"]` overrides. */
export interface PricingConfig {
  models?: { pricing?: Readonly<Record<string, ModelPrice>> };
}

const FABLE_5_2: ModelPrice = { input: 8, output: 40, cacheRead: 0.2, cacheWrite: 10 };
const FABLE_5_1: ModelPrice = { input: 10, output: 50, cacheRead: 0.25, cacheWrite: 12.5 };
const FABLE_5: ModelPrice = { input: 10, output: 50, cacheRead: 1, cacheWrite: 12.5 };
const OPUS_5_5: ModelPrice = { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 };
const SONNET_5_5: ModelPrice = { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5 };
const SONNET_5: ModelPrice = { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 };
const HAIKU_5_5: ModelPrice = { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite: 0.125 };
const OPUS_CURRENT: ModelPrice = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 };
const OPUS_4: ModelPrice = { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 };
const SONNET_4: ModelPrice = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const HAIKU_4_5: ModelPrice = { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 };
const HAIKU_3_5: ModelPrice = { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 };
const HAIKU_3: ModelPrice = { input: 0.25, output: 1.25, cacheRead: 0.03, cacheWrite: 0.3 };

/**
 * Built-in prices, keyed `"<provider>/<model>"`, read 2026-12-05 from Anthropic's pricing page
 * (platform.claude.com/docs/en/about-claude/pricing, "Model pricing": base input, 5m cache
 * writes, cache hits, output) and its model pages (Opus 5.5, Sonnet 5.5, Sonnet 5, Opus 5).
 * Sonnet 5.5 cache hits are $0.10 since Anthropic's cut of 2026-10-07. Haiku 5.5 is priced at
 * its band for prompts up to 100K tokens (longer prompts cost 5x: an underestimate). Fable
 * 5.2's 5m cache write is 1.25x its input price, as for every other model.
 * OpenRouter passes Anthropic's prices through unchanged, so its `anthropic/…` ids (dotted
 * versions) carry the same rows. Models not listed have no price: their cost is reported as
 * unknown, never as 0. Override or add with `models.pricing` (docs/CONFIG.md).
 */
export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = (() => {
  const anthropic: Record<string, ModelPrice> = {
    "claude-fable-5-2": FABLE_5_2,
    "claude-fable-5-1": FABLE_5_1,
    "claude-fable-5": FABLE_5,
    "claude-opus-5-5": OPUS_5_5,
    "claude-sonnet-5-5": SONNET_5_5,
    "claude-sonnet-5": SONNET_5,
    "claude-haiku-5-5": HAIKU_5_5,
    "claude-opus-5": OPUS_CURRENT,
    "claude-opus-4-8": OPUS_CURRENT,
    "claude-opus-4-7": OPUS_CURRENT,
    "claude-opus-4-6": OPUS_CURRENT,
    "claude-opus-4-5": OPUS_CURRENT,
    "claude-opus-4-1": OPUS_4,
    "claude-opus-4-0": OPUS_4,
    "claude-opus-4": OPUS_4,
    "claude-sonnet-4-6": SONNET_4,
    "claude-sonnet-4-5": SONNET_4,
    "claude-sonnet-4-0": SONNET_4,
    "claude-sonnet-4": SONNET_4,
    "claude-3-7-sonnet": SONNET_4,
    "claude-haiku-4-5": HAIKU_4_5,
    "claude-3-5-haiku": HAIKU_3_5,
    "claude-3-haiku": HAIKU_3,
  };
  const table: Record<string, ModelPrice> = {};
  for (const [model, price] of Object.entries(anthropic)) {
    table[`anthropic/${model}`] = price;
    // OpenRouter spells versions with dots: anthropic/claude-opus-4.5, anthropic/claude-3.5-haiku
    table[`openrouter/anthropic/${model.replace(/(\d)-(\d)/g, "$1.$2")}`] = price;
  }
  return table;
})();

/** Splits a model ref at its FIRST `/` only: `openrouter/anthropic/claude-opus-4.5` → openrouter + `anthropic/claude-opus-4.5`. */
function splitRef(ref: string): { provider: string; model: string } {
  const slash = ref.indexOf("/");
  return slash > 0 ? { provider: ref.slice(0, slash), model: ref.slice(slash + 1) } : { provider: "anthropic", model: ref };
}

/** A dated snapshot id (`claude-haiku-4-5-20251001`) is priced as its model. */
const DATE_SUFFIX = /-\d{8}$/;

/**
 * The price of a model: a `models.pricing` entry for it wins over the built-in table; a dated
 * snapshot id falls back to its undated model. Undefined when nothing is known.
 */
export function priceFor(config: PricingConfig | undefined, providerModelRef: string): ModelPrice | undefined {
  const { provider, model } = splitRef(providerModelRef.trim());
  if (!model) return undefined;
  const overrides = config?.models?.pricing;
  const candidates = [`${provider}/${model}`];
  if (DATE_SUFFIX.test(model)) candidates.push(`${provider}/${model.replace(DATE_SUFFIX, "")}`);
  for (const key of candidates) {
    const override = overrides && Object.hasOwn(overrides, key) ? overrides[key] : undefined;
    if (override) return override;
  }
  for (const key of candidates) {
    if (Object.hasOwn(BUILTIN_PRICES, key)) return BUILTIN_PRICES[key];
  }
  return undefined;
}

/** Estimated cost in USD of `usage` on a model; undefined when the model's price is unknown. */
export function costUsd(config: PricingConfig | undefined, providerModelRef: string, usage: Usage): number | undefined {
  const price = priceFor(config, providerModelRef);
  if (!price) return undefined;
  return (
    (count(usage.inputTokens) * price.input +
      count(usage.outputTokens) * price.output +
      count(usage.cacheReadTokens) * price.cacheRead +
      count(usage.cacheWriteTokens) * price.cacheWrite) /
    1_000_000
  );
}

/** Token counts come from a provider: anything but a finite non-negative number counts as 0. */
function count(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
}
