/**
 * Anthropic's model list, `GET /v1/models` (paginated; the SDK follows `has_more`/`last_id`),
 * with one resolved credential and no retries. The caller caches it
 * (src/agents/model-catalog-cache.ts).
 */
import type { ResolvedCredential } from "../../auth/types.js";
import { toProviderError } from "./errors.js";
import { createAnthropicClient } from "./client.js";
import { baseBetas, mergeBetas, partitionUserHeaders } from "./headers.js";

export interface ListModelsOptions {
  baseUrl?: string;
  /** `models.providers.anthropic.headers`; credential headers are dropped as for completions. */
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A model as `GET /v1/models` lists it (fields the SDK types as optional stay optional). */
export interface AnthropicListedModel {
  id: string;
  displayName?: string;
  createdAt?: string;
  lifecycle?: "active" | "deprecated" | "retired";
  retiresAt?: string;
}

const PAGE_SIZE = 100;
const MAX_MODELS = 2000;

/**
 * Every model the credential may see. Throws a {@link ProviderError} (classified, secret masked)
 * when the API refuses or cannot be reached.
 *
 * @example
 * const models = await listAnthropicModels(credential, { baseUrl: env.ANTHROPIC_BASE_URL });
 */
export async function listAnthropicModels(credential: ResolvedCredential, options: ListModelsOptions = {}): Promise<AnthropicListedModel[]> {
  const client = createAnthropicClient(credential, { baseUrl: options.baseUrl, headers: options.headers, timeoutMs: options.timeoutMs ?? 15_000 });
  const { betas } = partitionUserHeaders(options.headers);
  const headers = { "anthropic-beta": mergeBetas(baseBetas(credential.kind, undefined), betas) };
  const out: AnthropicListedModel[] = [];
  try {
    for await (const info of client.models.list({ limit: PAGE_SIZE }, { headers, signal: options.signal })) {
      const raw = info as unknown as Record<string, unknown>;
      if (typeof raw.id !== "string") continue;
      const model: AnthropicListedModel = { id: raw.id };
      if (typeof raw.display_name === "string") model.displayName = raw.display_name;
      if (typeof raw.created_at === "string") model.createdAt = raw.created_at;
      if (raw.lifecycle === "active" || raw.lifecycle === "deprecated" || raw.lifecycle === "retired") model.lifecycle = raw.lifecycle;
      if (typeof raw.retires_at === "string") model.retiresAt = raw.retires_at;
      out.push(model);
      if (out.length >= MAX_MODELS) break;
    }
  } catch (err) {
    throw toProviderError(err, [credential.secret]);
  }
  return out;
}
