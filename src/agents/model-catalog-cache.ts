import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../util/atomic-file.js";

/**
 * The provider's own model list (`GET /v1/models` for Anthropic, `GET /models` for OpenRouter),
 * cached in `<state>/cache/models-<provider>.json` for 24 h. Provider-neutral: each provider
 * brings a {@link ModelFetcher}; this module decides when to call it and keeps the file.
 *
 * @example
 * const catalog = await loadCatalog({ provider: "anthropic", stateDir, fetcher, refresh: false });
 * if (catalog.problem) warn(catalog.problem); // unreachable provider or corrupt cache: still usable
 */

/** One model as a provider lists it. */
export interface LiveModel {
  /** The provider's model id, without the `provider/` prefix (`claude-opus-5-5`, `anthropic/claude-opus-4.5`). */
  id: string;
  displayName?: string;
  /** RFC 3339, as the provider gave it. */
  createdAt?: string;
  /** Anthropic's lifecycle stage, where the provider reports one. */
  lifecycle?: "active" | "deprecated" | "retired";
  /** Scheduled retirement (RFC 3339 or YYYY-MM-DD), where the provider reports one. */
  retiresAt?: string;
}

/** Fetches the provider's whole list (all pages); throws on failure with a short, masked message. */
export type ModelFetcher = (signal?: AbortSignal) => Promise<LiveModel[]>;

export interface LoadCatalogOptions {
  provider: string;
  stateDir: string;
  /** Fetch now even when the cache is fresh (`baton models list --refresh`). */
  refresh?: boolean;
  /** Absent: never touch the network (chat's `/model list`, no credential); the cache is used as it is. */
  fetcher?: ModelFetcher;
  now?: number;
  maxAgeMs?: number;
  /** Upper bound for one fetch, all pages. */
  timeoutMs?: number;
}

export interface LoadedCatalog {
  provider: string;
  /** The provider's models: fetched now, or from the cache; empty when neither is there. */
  models: LiveModel[];
  /** `live`: fetched now; `cache`: from the file; `none`: only the built-in entries apply. */
  source: "live" | "cache" | "none";
  /** When the list was fetched (ms), null for `none`. */
  fetchedAt: number | null;
  /** The cache is older than `maxAgeMs` (and could not be refreshed, or was not asked to be). */
  stale: boolean;
  /** What went wrong, said for a person (provider unreachable, corrupt cache file); the list is still usable. */
  problem?: string;
}

export const CATALOG_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 15_000;
/** Bounds on what a provider (or a hand-edited file) can make us keep. */
const MAX_MODELS = 2000;
const MAX_ID_LENGTH = 200;

interface CacheFile {
  version: 1;
  provider: string;
  fetchedAt: number;
  models: LiveModel[];
}

/** `<state>/cache/models-<provider>.json`; the provider id is reduced to safe file-name characters. */
export function catalogCachePath(stateDir: string, provider: string): string {
  return path.join(stateDir, "cache", `models-${provider.replace(/[^a-z0-9_-]/gi, "_")}.json`);
}

/** Keeps the well-formed entries of a list from the network or a file; drops the rest. Pure. */
export function sanitizeModels(input: unknown): LiveModel[] {
  if (!Array.isArray(input)) return [];
  const out: LiveModel[] = [];
  const seen = new Set<string>();
  for (const raw of input) {
    if (out.length >= MAX_MODELS) break;
    if (!raw || typeof raw !== "object") continue;
    const entry = raw as Record<string, unknown>;
    const id = typeof entry.id === "string" ? entry.id.trim() : "";
    if (!id || id.length > MAX_ID_LENGTH || !/^[\x21-\x7e]+$/.test(id) || seen.has(id)) continue;
    seen.add(id);
    const model: LiveModel = { id };
    const text = (value: unknown) => (typeof value === "string" && value.length <= MAX_ID_LENGTH ? value : undefined);
    const displayName = text(entry.displayName);
    if (displayName) model.displayName = displayName;
    const createdAt = text(entry.createdAt);
    if (createdAt) model.createdAt = createdAt;
    if (entry.lifecycle === "active" || entry.lifecycle === "deprecated" || entry.lifecycle === "retired") model.lifecycle = entry.lifecycle;
    const retiresAt = text(entry.retiresAt);
    if (retiresAt) model.retiresAt = retiresAt;
    out.push(model);
  }
  return out;
}

type CacheRead = { kind: "absent" } | { kind: "ok"; file: CacheFile } | { kind: "corrupt"; reason: string };

async function readCache(file: string, provider: string): Promise<CacheRead> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === "ENOENT") return { kind: "absent" };
    return { kind: "corrupt", reason: (err as Error)?.message ?? String(err) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "corrupt", reason: "invalid JSON" };
  }
  const data = parsed as Partial<CacheFile> | null;
  if (!data || typeof data !== "object" || data.version !== 1 || typeof data.fetchedAt !== "number" || !Number.isFinite(data.fetchedAt) || !Array.isArray(data.models)) {
    return { kind: "corrupt", reason: "not a model cache (version, fetchedAt, models)" };
  }
  if (data.provider !== provider) return { kind: "corrupt", reason: `it holds provider "${String(data.provider)}"` };
  return { kind: "ok", file: { version: 1, provider, fetchedAt: data.fetchedAt, models: sanitizeModels(data.models) } };
}

async function writeCache(file: string, data: CacheFile): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, 0o600);
}

function withTimeout(fetcher: ModelFetcher, timeoutMs: number): Promise<LiveModel[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  return Promise.race([
    fetcher(controller.signal),
    new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true })),
  ]).finally(() => clearTimeout(timer));
}

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0].slice(0, 300) || "unknown error";
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** One fetch per cache file at a time in this process (a gateway and a command may ask together). */
const inFlight = new Map<string, Promise<LoadedCatalog>>();

/**
 * The provider's model list: the cache when it is fresh (no network), else fetched and cached;
 * when the fetch fails, the cache (even stale) or nothing, with `problem` saying why. A corrupt
 * cache file is reported and replaced by the next successful fetch, never trusted. Never throws
 * for a provider or file problem.
 */
export async function loadCatalog(options: LoadCatalogOptions): Promise<LoadedCatalog> {
  const file = catalogCachePath(options.stateDir, options.provider);
  const running = inFlight.get(file);
  if (running && options.fetcher) return running;
  const work = load(file, options);
  if (!options.fetcher) return work;
  inFlight.set(file, work);
  try {
    return await work;
  } finally {
    inFlight.delete(file);
  }
}

async function load(file: string, options: LoadCatalogOptions): Promise<LoadedCatalog> {
  const { provider } = options;
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeMs ?? CATALOG_MAX_AGE_MS;
  const cached = await readCache(file, provider);
  const problems: string[] = [];
  if (cached.kind === "corrupt") problems.push(`The model cache ${file} is unreadable (${cached.reason}); it was ignored.`);
  const cache = cached.kind === "ok" ? cached.file : undefined;
  // a fetchedAt in the future (clock moved back) counts as stale
  const fresh = cache !== undefined && now - cache.fetchedAt < maxAge && cache.fetchedAt <= now + 60_000;
  const fromCache = (stale: boolean): LoadedCatalog =>
    cache
      ? { provider, models: cache.models, source: "cache", fetchedAt: cache.fetchedAt, stale, ...(problems.length ? { problem: problems.join(" ") } : {}) }
      : { provider, models: [], source: "none", fetchedAt: null, stale: false, ...(problems.length ? { problem: problems.join(" ") } : {}) };

  if (fresh && !options.refresh) return fromCache(false);
  if (!options.fetcher) return fromCache(cache !== undefined && !fresh);

  let models: LiveModel[];
  try {
    models = sanitizeModels(await withTimeout(options.fetcher, options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  } catch (err) {
    const fallback = cache ? `showing the list cached ${day(cache.fetchedAt)}` : "showing the built-in list";
    problems.push(`Could not fetch the ${provider} model list (${describeError(err)}); ${fallback}.`);
    return fromCache(cache !== undefined && !fresh);
  }
  const fetchedAt = options.now ?? Date.now();
  try {
    await writeCache(file, { version: 1, provider, fetchedAt, models });
  } catch (err) {
    problems.push(`Could not write the model cache ${file} (${describeError(err)}).`);
  }
  return { provider, models, source: "live", fetchedAt, stale: false, ...(problems.length ? { problem: problems.join(" ") } : {}) };
}
