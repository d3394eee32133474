/**
 * The Anthropic provider: one streamed Messages API call per completion, through the official
 * SDK, with the credential Baton resolved and nothing else. Retries and failover belong to the
 * auth resolver, so the SDK never retries (`maxRetries: 0`).
 */
import Anthropic, { APIError } from "@anthropic-ai/sdk";
import { parseRateLimitHeaders } from "../../auth/rate-limits.js";
import type { ResolvedCredential } from "../../auth/types.js";
import type { Logger } from "../../plugin-api.js";
import { createLogger } from "../../util/log.js";
import { guardedStream } from "../stream-guard.js";
import { ProviderError, type CompletionRequest, type CompletionResult, type Provider, type RateLimitSnapshot } from "../types.js";
import { ClientCache } from "./client-cache.js";
import { createAnthropicClient } from "./client.js";
import { providerErrorFrom, toProviderError } from "./errors.js";
import { baseBetas, mergeBetas, partitionUserHeaders } from "./headers.js";
import { buildMessageParams } from "./params.js";
import { ProviderWarnings, withConsoleWarnings } from "./sdk-warnings.js";
import { applyStreamEvent, createStreamState, resultOf } from "./stream-state.js";

export interface AnthropicProviderOptions {
  /** API base URL (`models.providers.anthropic.baseUrl` / `ANTHROPIC_BASE_URL`, resolved by the caller). */
  baseUrl?: string;
  /** Extra headers for every call; an `anthropic-beta` value is added to Baton's betas. */
  headers?: Record<string, string>;
  /**
   * How long to wait for the response to start, and then for each next stream event, before
   * failing with a `timeout` ProviderError. Default {@link DEFAULT_TIMEOUT_MS}.
   */
  timeoutMs?: number;
  /** Where the SDK's warnings (deprecated models) go, once per model; default: Baton's stderr logger. */
  log?: Pick<Logger, "warn">;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export { DEFAULT_BASE_URL } from "./client.js";
const CLIENT_CACHE_SIZE = 16;

/** The rate-limit headers of a failed call's response (an API error carries them), if any. */
function rateLimitsOf(err: unknown): RateLimitSnapshot | undefined {
  if (!(err instanceof APIError) || !err.headers) return undefined;
  return parseRateLimitHeaders(err.headers, Date.now());
}

function withRateLimits(error: ProviderError, rateLimits: RateLimitSnapshot | undefined): ProviderError {
  if (!rateLimits || error.details.rateLimits) return error;
  return new ProviderError(error.message, error.failureClass, { ...error.details, rateLimits });
}

async function streamCompletion(
  client: Anthropic,
  credential: ResolvedCredential,
  request: CompletionRequest,
  timeoutMs: number,
  userBetas: string | undefined,
  sdkWarnings: ProviderWarnings,
): Promise<CompletionResult> {
  const secrets = [credential.secret];
  const params = buildMessageParams(request);
  const headers = { "anthropic-beta": mergeBetas(baseBetas(credential.kind, request.cacheControlTtl), userBetas) };
  const state = createStreamState(request.model);
  let rateLimits: RateLimitSnapshot | undefined;
  const end = await guardedStream(request.signal, timeoutMs, async (run) => {
    // the SDK prints deprecation warnings with console.warn, synchronously, before the request
    const { value: call, warnings } = withConsoleWarnings(() => client.messages.create(params, { signal: run.signal, headers }));
    sdkWarnings.report(request.model, warnings);
    const { data: stream, response } = await call.withResponse();
    rateLimits = parseRateLimitHeaders(response.headers, Date.now());
    run.callback(() => request.onResponseHeaders?.(rateLimits));
    run.touch();
    for await (const event of stream) {
      run.touch();
      const delta = applyStreamEvent(state, event);
      if (delta && request.onText) run.callback(() => request.onText!(delta));
    }
  });

  if (end.timedOut) {
    throw providerErrorFrom({ code: "ETIMEDOUT", message: `no data from the API for ${timeoutMs / 1000} s` }, secrets);
  }
  if ("failure" in end) throw withRateLimits(toProviderError(end.failure, secrets), rateLimits ?? rateLimitsOf(end.failure));
  if (!state.complete) throw withRateLimits(providerErrorFrom({ code: "STREAM_INCOMPLETE" }, secrets), rateLimits);
  const result = resultOf(state);
  return rateLimits ? { ...result, rateLimits } : result;
}

/**
 * Create the Anthropic provider.
 *
 * @example
 * const provider = createAnthropicProvider({ baseUrl: env.ANTHROPIC_BASE_URL });
 * const result = await provider.complete(credential, { model: "claude-opus-4-5", maxTokens: 1024,
 *   messages: [{ role: "user", content: "Hi" }], onText: (t) => process.stdout.write(t) });
 */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): Provider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userBetas = partitionUserHeaders(options.headers).betas;
  const clients = new ClientCache((credential) => createAnthropicClient(credential, { baseUrl: options.baseUrl, headers: options.headers, timeoutMs }), CLIENT_CACHE_SIZE);
  const sdkWarnings = new ProviderWarnings(options.log ?? createLogger({ scope: "anthropic" }));
  return {
    id: "anthropic",
    async complete(credential, request) {
      if (!credential.secret) {
        throw new ProviderError(`No secret stored for auth profile ${credential.profileId}`, "auth", {
          code: "MISSING_SECRET",
        });
      }
      return streamCompletion(clients.get(credential), credential, request, timeoutMs, userBetas, sdkWarnings);
    },
  };
}
