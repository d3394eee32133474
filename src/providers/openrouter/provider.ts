/**
 * The OpenRouter provider: one streamed chat completions call (`POST <base>/chat/completions`,
 * OpenAI-style) per completion, through the official `openai` SDK, with the credential Baton
 * resolved and nothing else: the SDK reads no `OPENAI_*` credential, base URL or header from the
 * environment. Retries and failover belong to the auth resolver, so the SDK never retries
 * (`maxRetries: 0`). Structure and error handling mirror the Anthropic provider.
 */
import OpenAI from "openai";
import type { ResolvedCredential } from "../../auth/types.js";
import { ClientCache } from "../anthropic/client-cache.js";
import { guardedStream } from "../stream-guard.js";
import { ProviderError, type CompletionRequest, type CompletionResult, type Provider } from "../types.js";
import { providerErrorFrom, toProviderError } from "./errors.js";
import { defaultHeaders } from "./headers.js";
import { buildChatParams } from "./params.js";
import { applyChunk, createStreamState, resultOf } from "./stream-state.js";

export interface OpenRouterProviderOptions {
  /** API base URL (`models.providers.openrouter.baseUrl` / `OPENROUTER_BASE_URL`, resolved by the caller). */
  baseUrl?: string;
  /** Extra headers for every call (e.g. your own `HTTP-Referer` / `X-Title`); credential headers are dropped. */
  headers?: Record<string, string>;
  /**
   * How long to wait for the response to start, and then for each next chunk, before failing
   * with a `timeout` ProviderError. Default {@link DEFAULT_TIMEOUT_MS}.
   */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_BASE_URL = "https://openrouter.ai/api/v1";
const CLIENT_CACHE_SIZE = 16;

function createClient(credential: ResolvedCredential, options: OpenRouterProviderOptions, timeoutMs: number): OpenAI {
  return new OpenAI({
    // Every option the SDK would otherwise read from OPENAI_* variables is given explicitly.
    apiKey: credential.secret,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: options.baseUrl ?? DEFAULT_BASE_URL,
    maxRetries: 0,
    timeout: timeoutMs,
    logLevel: "off",
    defaultHeaders: defaultHeaders(credential.secret, options.headers, process.env.OPENAI_CUSTOM_HEADERS),
  });
}

async function streamCompletion(client: OpenAI, credential: ResolvedCredential, request: CompletionRequest, timeoutMs: number): Promise<CompletionResult> {
  const secrets = [credential.secret];
  const params = buildChatParams(request);
  const state = createStreamState(request.model);
  const end = await guardedStream(request.signal, timeoutMs, async (run) => {
    const stream = await client.chat.completions.create(params, { signal: run.signal });
    run.touch();
    for await (const chunk of stream) {
      run.touch();
      const delta = applyChunk(state, chunk);
      if (delta && request.onText) run.callback(() => request.onText!(delta));
    }
  });

  if (end.timedOut) throw providerErrorFrom({ code: "ETIMEDOUT", message: `no data from the API for ${timeoutMs / 1000} s` }, secrets);
  if ("failure" in end) throw toProviderError(end.failure, secrets);
  if (state.failed) throw providerErrorFrom({ midStream: true, message: "the reply ended with finish_reason error" }, secrets);
  // A body that ended cleanly after text but without a finish_reason (some OpenAI-compatible
  // servers end with `[DONE]` alone) is the reply; a cut connection threw above.
  if (!state.complete && !state.text) throw providerErrorFrom({ code: "STREAM_INCOMPLETE" }, secrets);
  return resultOf(state);
}

/**
 * Create the OpenRouter provider.
 *
 * @example
 * const provider = createOpenRouterProvider({ baseUrl: env.OPENROUTER_BASE_URL });
 * const result = await provider.complete(credential, { model: "anthropic/claude-opus-4.5", maxTokens: 1024,
 *   messages: [{ role: "user", content: "Hi" }], onText: (t) => process.stdout.write(t) });
 */
export function createOpenRouterProvider(options: OpenRouterProviderOptions = {}): Provider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clients = new ClientCache((credential) => createClient(credential, options, timeoutMs), CLIENT_CACHE_SIZE);
  return {
    id: "openrouter",
    async complete(credential, request) {
      if (!credential.secret) {
        throw new ProviderError(`No secret stored for auth profile ${credential.profileId}`, "auth", { code: "MISSING_SECRET" });
      }
      return streamCompletion(clients.get(credential), credential, request, timeoutMs);
    },
  };
}
