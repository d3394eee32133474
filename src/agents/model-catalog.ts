import { builtInModel, isRetired, MODEL_CATALOG, normalizeModelRef } from "./catalog.js";
import type { LiveModel } from "./model-catalog-cache.js";

/** One model of the merged catalog: the built-in entry and/or what the provider lists. Pure module. */
export interface CatalogEntry {
  /** `provider/model`. */
  ref: string;
  alias?: string;
  name?: string;
  /** Retirement date, YYYY-MM-DD (the provider's when it reports one, else the built-in table's). */
  endOfLife?: string;
  /** Past its end of life, or listed by the provider as retired: requests naming it fail. */
  retired: boolean;
  /** In Baton's built-in table. */
  builtIn: boolean;
  /** In the provider's own list (live or cached). */
  listed: boolean;
}

/** `2026-11-30T00:00:00Z` / `2026-11-30` -> `2026-11-30`; anything else -> undefined. */
function dateOf(value: string | undefined): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(value ?? "");
  return match && Number.isFinite(Date.parse(`${match[1]}T00:00:00Z`)) ? match[1] : undefined;
}

/**
 * The built-in entries merged with the providers' lists: the provider's name, retirement date
 * and lifecycle win where it gives them; aliases come only from the built-in table. Built-in
 * entries keep their order; models only the provider lists follow, newest first.
 */
export function mergeCatalog(lists: ReadonlyArray<{ provider: string; models: readonly LiveModel[] }>, now: number): CatalogEntry[] {
  const byRef = new Map<string, CatalogEntry>();
  for (const m of MODEL_CATALOG) {
    byRef.set(m.ref, { ref: m.ref, alias: m.alias, name: m.name, endOfLife: m.endOfLife, retired: isRetired(m.endOfLife, now), builtIn: true, listed: false });
  }
  const extra: Array<{ entry: CatalogEntry; createdAt: number }> = [];
  for (const { provider, models } of lists) {
    for (const live of models) {
      const ref = `${provider}/${live.id}`;
      const known = byRef.get(ref);
      const endOfLife = dateOf(live.retiresAt) ?? known?.endOfLife;
      const entry: CatalogEntry = {
        ref,
        ...(known?.alias ? { alias: known.alias } : {}),
        name: live.displayName ?? known?.name,
        ...(endOfLife ? { endOfLife } : {}),
        retired: live.lifecycle === "retired" || isRetired(endOfLife, now),
        builtIn: Boolean(known),
        listed: true,
      };
      if (!entry.name) delete entry.name;
      if (known) byRef.set(ref, entry);
      else if (!extra.some((e) => e.entry.ref === ref)) extra.push({ entry, createdAt: Date.parse(live.createdAt ?? "") || 0 });
    }
  }
  extra.sort((a, b) => b.createdAt - a.createdAt);
  return [...byRef.values(), ...extra.map((e) => e.entry)];
}

/** End of life of any ref (dated snapshot ids share their model's), from the merged catalog or the built-in table. */
export function lifecycleOf(ref: string, catalog: readonly CatalogEntry[] | undefined, now: number): { endOfLife?: string; retired: boolean } {
  const normalized = normalizeModelRef(ref);
  const entry = catalog?.find((e) => e.ref === normalized) ?? catalog?.find((e) => e.ref === normalized.replace(/-\d{8}$/, ""));
  if (entry) return { ...(entry.endOfLife ? { endOfLife: entry.endOfLife } : {}), retired: entry.retired || isRetired(entry.endOfLife, now) };
  const builtIn = builtInModel(normalized);
  return { ...(builtIn?.endOfLife ? { endOfLife: builtIn.endOfLife } : {}), retired: isRetired(builtIn?.endOfLife, now) };
}

/** `(retired 2026-11-30)`, `(retires 2027-01-22)` or "" — the mark lists put after a model. */
export function lifecycleMark(life: { endOfLife?: string; retired: boolean }): string {
  if (life.retired) return life.endOfLife ? `retired ${life.endOfLife}` : "retired";
  return life.endOfLife ? `retires ${life.endOfLife}` : "";
}
