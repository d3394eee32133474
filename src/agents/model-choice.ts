import { closestMatch } from "../config/schema-walk.js";
import { normalizeModelRef, parseModelRef } from "./catalog.js";
import { lifecycleOf, mergeCatalog, type CatalogEntry } from "./model-catalog.js";

/** A model the user may pick, with its alias and, when announced, its end of life. */
export interface AllowedModel {
  ref: string;
  alias?: string;
  /** YYYY-MM-DD. */
  endOfLife?: string;
  /** Past its end of life: requests naming it fail. */
  retired?: boolean;
}

export type ModelLookup =
  | { kind: "found"; model: AllowedModel }
  | { kind: "ambiguous"; candidates: AllowedModel[] }
  | { kind: "unknown"; suggestions: AllowedModel[] };

/**
 * The models `/model` offers: `agents.defaults.models` when non-empty (it is then the allowlist,
 * aliases from its entries), else the catalog (built-in, merged with the provider's cached list
 * when given) with its aliases, followed by the agent's own models (`agentRefs`: its primary and
 * fallbacks, e.g. `openrouter/anthropic/claude-opus-4.5`) the catalog lacks. Each carries its end
 * of life from the catalog.
 */
export function allowedModels(
  configured: Record<string, { alias?: string }> | undefined,
  catalog?: readonly CatalogEntry[],
  now: number = Date.now(),
  agentRefs: readonly string[] = [],
): AllowedModel[] {
  const entries = Object.entries(configured ?? {});
  const withLife = (m: AllowedModel): AllowedModel => {
    const life = lifecycleOf(m.ref, catalog, now);
    return { ...m, ...(life.endOfLife ? { endOfLife: life.endOfLife } : {}), ...(life.retired ? { retired: true } : {}) };
  };
  if (entries.length) return entries.map(([ref, entry]) => withLife({ ref: normalizeModelRef(ref), alias: entry.alias }));
  const listed = (catalog ?? mergeCatalog([], now)).map(({ ref, alias }) => withLife({ ref, alias }));
  const known = new Set(listed.map((m) => m.ref));
  for (const ref of agentRefs.map(normalizeModelRef)) {
    if (known.has(ref)) continue;
    known.add(ref);
    listed.push(withLife({ ref }));
  }
  return listed;
}

export interface LookupOptions {
  /**
   * Providers whose models may be named by full ref even when not listed (no allowlist: the
   * catalog only suggests). `openrouter/vendor/new-model` is then taken as typed when no listed
   * model matches it exactly or as a substring: never "corrected" into a neighbour
   * (`claude-opus-4.6` is not a misspelling of `claude-opus-4.5`).
   */
  acceptRefOf?: (provider: string) => boolean;
}

/**
 * Finds what the user meant: exact ref, alias, bare model id (in that order: `anthropic/x` is
 * Anthropic's `x` even when `openrouter/anthropic/x` is allowed too), a unique prefix or
 * substring, a full ref of an accepted provider as typed, or a close misspelling. Several
 * equally good matches are ambiguous, never a guess. Pure.
 */
export function lookupModel(input: string, allowed: readonly AllowedModel[], options: LookupOptions = {}): ModelLookup {
  const wanted = input.trim().toLowerCase();
  if (!wanted) return { kind: "unknown", suggestions: [] };
  const tiers = [
    allowed.filter((m) => m.ref.toLowerCase() === wanted),
    allowed.filter((m) => m.alias?.toLowerCase() === wanted),
    allowed.filter((m) => parseModelRef(m.ref).model.toLowerCase() === wanted),
  ];
  const exact = tiers.find((tier) => tier.length > 0) ?? [];
  if (exact.length === 1) return { kind: "found", model: exact[0] };
  if (exact.length > 1) return { kind: "ambiguous", candidates: exact };

  const partial = allowed.filter((m) => [m.ref, m.alias ?? "", parseModelRef(m.ref).model].some((name) => name && name.toLowerCase().includes(wanted)));
  if (partial.length === 1) return { kind: "found", model: partial[0] };
  if (partial.length > 1) return { kind: "ambiguous", candidates: partial };

  const slash = wanted.indexOf("/");
  if (slash > 0 && slash < wanted.length - 1 && options.acceptRefOf?.(wanted.slice(0, slash))) {
    return { kind: "found", model: { ref: normalizeModelRef(input.trim()) } };
  }

  const names = new Map<string, AllowedModel>();
  for (const m of allowed) {
    names.set(m.ref, m);
    names.set(parseModelRef(m.ref).model, m);
    if (m.alias) names.set(m.alias, m);
  }
  const close = closestMatch(wanted, [...names.keys()]);
  if (close) return { kind: "found", model: names.get(close)! };
  return { kind: "unknown", suggestions: allowed.slice(0, 5) };
}

export function describeModel(m: AllowedModel): string {
  return m.alias ? `${m.alias} (${m.ref})` : m.ref;
}
