/** Models Baton knows without configuration or network: ids, names, aliases and end-of-life dates. Pure. */
export interface CatalogModel {
  ref: string;
  alias?: string;
  name: string;
  /**
   * The provider's retirement date (YYYY-MM-DD, UTC): from that day on requests naming the
   * model fail. Absent while none is announced.
   */
  endOfLife?: string;
}

/**
 * The built-in table, read 2026-12-05 from:
 * - @anthropic-ai/sdk 1.12.0 (2026-11-20): its `Model` union (which ids exist) and
 *   `DEPRECATED_MODELS` (claude-sonnet-4-5: end of life 2026-11-30);
 * - Anthropic's "Model deprecations" page and model pages (docs corpus): Opus 4 / Sonnet 4
 *   retired 2026-06-15, Opus 4.1 retired 2026-08-05, Opus 4.5 deprecated 2026-11-23 with
 *   retirement on 2027-01-22; current lineup Opus 5.5, Sonnet 5.5, Haiku 5.5, Fable 5.x.
 * Tentative dates of active models are left out. Restricted lines (Mythos) appear only when the
 * provider's `GET /v1/models` lists them for the credential (src/agents/model-catalog-cache.ts).
 * Aliases point at the current model of each line; the live list never moves them.
 */
export const MODEL_CATALOG: readonly CatalogModel[] = [
  { ref: "anthropic/claude-opus-5-5", alias: "opus", name: "Claude Opus 5.5" },
  { ref: "anthropic/claude-sonnet-5-5", alias: "sonnet", name: "Claude Sonnet 5.5" },
  { ref: "anthropic/claude-haiku-5-5", alias: "haiku", name: "Claude Haiku 5.5" },
  { ref: "anthropic/claude-fable-5-2", name: "Claude Fable 5.2" },
  { ref: "anthropic/claude-fable-5-1", name: "Claude Fable 5.1" },
  { ref: "anthropic/claude-opus-5", name: "Claude Opus 5" },
  { ref: "anthropic/claude-sonnet-5", name: "Claude Sonnet 5" },
  { ref: "anthropic/claude-opus-4-8", name: "Claude Opus 4.8" },
  { ref: "anthropic/claude-opus-4-7", name: "Claude Opus 4.7" },
  { ref: "anthropic/claude-opus-4-6", name: "Claude Opus 4.6" },
  { ref: "anthropic/claude-sonnet-4-6", name: "Claude Sonnet 4.6" },
  { ref: "anthropic/claude-haiku-4-5", name: "Claude Haiku 4.5" },
  { ref: "anthropic/claude-opus-4-5", name: "Claude Opus 4.5", endOfLife: "2027-01-22" },
  { ref: "anthropic/claude-sonnet-4-5", name: "Claude Sonnet 4.5", endOfLife: "2026-11-30" },
  { ref: "anthropic/claude-opus-4-1", name: "Claude Opus 4.1", endOfLife: "2026-08-05" },
  { ref: "anthropic/claude-opus-4", name: "Claude Opus 4", endOfLife: "2026-06-15" },
  { ref: "anthropic/claude-sonnet-4", name: "Claude Sonnet 4", endOfLife: "2026-06-15" },
];

import { splitModelRef } from "../config/agents.js";

/** `anthropic/claude-opus-4-5` -> { provider, model }; a bare id is taken as anthropic's. */
export { splitModelRef as parseModelRef };

/**
 * `claude-haiku-4-5` -> `anthropic/claude-haiku-4-5`; a built-in alias names its current model
 * (`sonnet` -> `anthropic/claude-sonnet-5-5`, so `model: "sonnet"` in the config works); refs
 * with a provider stay as they are.
 */
export function normalizeModelRef(ref: string): string {
  if (!ref.includes("/")) {
    const target = aliasTarget(ref);
    if (target) return target;
  }
  const { provider, model } = splitModelRef(ref);
  return `${provider}/${model}`;
}

/** A dated snapshot id (`claude-sonnet-4-5-20250929`, `claude-sonnet-4-20250514`) shares its model's dates. */
function undated(ref: string): string {
  return ref.replace(/-\d{8}$/, "");
}

/** The built-in entry of a ref (dated snapshots and bare ids included), if any. */
export function builtInModel(ref: string): CatalogModel | undefined {
  const wanted = undated(normalizeModelRef(ref));
  return MODEL_CATALOG.find((m) => m.ref === wanted);
}

/** Start of the end-of-life day (UTC), ms; undefined for a missing or malformed date. */
export function endOfLifeTime(endOfLife: string | undefined): number | undefined {
  if (!endOfLife || !/^\d{4}-\d{2}-\d{2}$/.test(endOfLife)) return undefined;
  const time = Date.parse(`${endOfLife}T00:00:00Z`);
  return Number.isFinite(time) ? time : undefined;
}

/** Whether a model with this end-of-life date no longer answers at `now`. */
export function isRetired(endOfLife: string | undefined, now: number): boolean {
  const time = endOfLifeTime(endOfLife);
  return time !== undefined && now >= time;
}

/** The current model an alias names in the built-in catalog (`sonnet` -> `anthropic/claude-sonnet-5-5`). */
export function aliasTarget(alias: string): string | undefined {
  const wanted = alias.trim().toLowerCase();
  return MODEL_CATALOG.find((m) => m.alias === wanted)?.ref;
}

/**
 * A current model to suggest instead of a retired one: the alias of the same line (opus,
 * sonnet, haiku) when the id names one, else undefined.
 */
export function replacementFor(ref: string): CatalogModel | undefined {
  const { model } = splitModelRef(ref);
  return MODEL_CATALOG.find((m) => m.alias && model.includes(`-${m.alias}-`) && m.ref !== normalizeModelRef(ref));
}
