/**
 * OpenRouter's model list, `GET <base>/models` (public: no credential needed; one page with every
 * model). The caller caches it (src/agents/model-catalog-cache.ts). Plain fetch: the list is one
 * JSON document, no SDK needed.
 */
import { redactSecrets } from "../../util/redact.js";
import { defaultHeaders } from "./headers.js";
import { DEFAULT_BASE_URL } from "./provider.js";

export interface ListOpenRouterModelsOptions {
  baseUrl?: string;
  /** `models.providers.openrouter.headers` (credential headers are dropped). */
  headers?: Record<string, string>;
  /** Sent when given (the list does not need it). */
  apiKey?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** A model as Baton keeps it from the list: OpenRouter's id (`anthropic/claude-opus-4.5`), name and creation time. */
export interface OpenRouterListedModel {
  id: string;
  displayName?: string;
  /** RFC 3339. */
  createdAt?: string;
}

const MAX_MODELS = 2000;

/** The models of a `GET /models` body; malformed entries are skipped. Pure. */
export function parseModelList(body: unknown): OpenRouterListedModel[] {
  const data = body && typeof body === "object" ? (body as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw new Error("OpenRouter's model list had no data array");
  const out: OpenRouterListedModel[] = [];
  for (const raw of data) {
    if (out.length >= MAX_MODELS) break;
    if (!raw || typeof raw !== "object") continue;
    const entry = raw as Record<string, unknown>;
    if (typeof entry.id !== "string" || !entry.id.trim()) continue;
    const model: OpenRouterListedModel = { id: entry.id.trim() };
    if (typeof entry.name === "string" && entry.name) model.displayName = entry.name;
    const created = typeof entry.created === "number" && entry.created > 0 ? new Date(entry.created * 1000) : undefined;
    // out-of-range seconds make an Invalid Date, whose toISOString throws
    if (created && Number.isFinite(created.getTime())) model.createdAt = created.toISOString();
    out.push(model);
  }
  return out;
}

/**
 * Every model OpenRouter lists. Throws an Error with a short, masked message when the list cannot
 * be fetched or read.
 *
 * @example
 * const models = await listOpenRouterModels({ baseUrl: env.OPENROUTER_BASE_URL });
 */
export async function listOpenRouterModels(options: ListOpenRouterModelsOptions = {}): Promise<OpenRouterListedModel[]> {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const headers = Object.fromEntries(
    Object.entries(defaultHeaders(options.apiKey ?? "", options.headers, undefined)).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  if (!options.apiKey) delete headers.Authorization;
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 15_000), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${baseUrl}/models`, { headers: { accept: "application/json", ...headers }, signal: AbortSignal.any(signals) });
  } catch (err) {
    const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new Error(`OpenRouter model list unreachable: ${redactSecrets(reason)}`);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    let message = "";
    try {
      message = String((JSON.parse(text) as { error?: { message?: unknown } }).error?.message ?? "");
    } catch {
      // not OpenRouter's error body
    }
    throw new Error(`OpenRouter model list failed: HTTP ${response.status}${message ? ` ${redactSecrets(message).slice(0, 200)}` : ""}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new Error("OpenRouter model list was not JSON");
  }
  return parseModelList(body);
}
