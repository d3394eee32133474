import type { FailureClass, ResolvedCredential } from "../auth/types.js";
import { estimateCall, type CallEstimate } from "../auth/rate-limits.js";
import { ProviderError, type ChatTurnMessage, type Provider, type RateLimitSnapshot, type Usage } from "../providers/types.js";
import { parseModelRef } from "./catalog.js";
import type { AttemptEvent } from "./events.js";
import { credentialRefOf, failureAdvice } from "./failure-messages.js";
import { pause } from "../util/timeout.js";

/** The resolver surface a turn needs (implemented by src/auth/resolver.ts). */
export interface CredentialSource {
  /** The credential for the next call; it counts as in flight until reported (or released). */
  next(request: {
    provider: string;
    model: string;
    pinnedProfileId?: string;
    exclude?: ReadonlySet<string>;
    estimate?: CallEstimate;
    signal?: AbortSignal;
  }): Promise<ResolvedCredential | { unavailable: true; message: string }>;
  reportSuccess(profileId: string, model: string, startedAt?: number, rateLimits?: RateLimitSnapshot): Promise<void>;
  reportFailure(
    profileId: string,
    model: string,
    failure: { failureClass: FailureClass; retryAfterMs?: number; message?: string; rateLimits?: RateLimitSnapshot },
    attempt: number,
  ): Promise<{ action: "retry"; delayMs: number } | { action: "next" } | { action: "stop" }>;
  /** A call from `next` ended without an outcome (aborted). */
  release?(profileId: string, model: string): void;
  /** A call's response started, with what its headers said about the credential's rate limits. */
  observe?(profileId: string, model: string, rateLimits: RateLimitSnapshot | undefined): void;
  /** Whether no cooldown or disable (recorded meanwhile, e.g. by another call) now stands in the profile's way for `model`. */
  stillUsable?(profileId: string, model: string): Promise<boolean>;
}

export interface TurnRequest {
  /** provider/model to try first. */
  model: string;
  /** Tried in order when no profile of the model's provider can answer (not with a pin). */
  fallbacks: string[];
  pinnedProfileId?: string;
  system?: string;
  /** The conversation, ending with the new user message. */
  messages: ChatTurnMessage[];
  maxTokens: number;
  temperature?: number;
  cacheControlTtl?: (model: string) => "5m" | "1h" | undefined;
  signal?: AbortSignal;
  onText?: (delta: string) => void;
  /** A new attempt starts after a failed one: text streamed so far is void. */
  onRestart?: () => void;
}

export interface AttemptRecord {
  model: string;
  profileId: string;
  /** How the credential is sent: `apiKey` (a paid API key) or `authToken` (a subscription token or OAuth). */
  credentialType?: ResolvedCredential["kind"];
  failureClass?: FailureClass;
}

export type TurnOutcome =
  /** `requestedModel`: the model the turn was asked for (a fallback may have answered: `model`). */
  | { ok: true; text: string; usage: Usage; model: string; requestedModel: string; profileId: string; attempts: AttemptRecord[] }
  | { ok: false; aborted: boolean; message: string; failureClass?: FailureClass; attempts: AttemptRecord[] };

export interface TurnDeps {
  /** The agent's credential resolver; it serves every provider (the request names one). */
  resolver(): Promise<CredentialSource>;
  provider(id: string): Promise<Provider | undefined>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Observers of each provider call and failover (metrics); must not throw. */
  emit?: (event: AttemptEvent) => void;
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || (err instanceof Error && (err.name === "AbortError" || err.name === "APIUserAbortError"));
}

/**
 * One agent turn with credential failover: the resolver hands out credentials in order and
 * decides, per failure, whether to retry, move to the next profile, or stop. A pinned profile
 * is the only one tried; its failure is reported, never silently replaced.
 */
export async function executeTurn(deps: TurnDeps, request: TurnRequest): Promise<TurnOutcome> {
  const sleep = deps.sleep ?? pause;
  const attempts: AttemptRecord[] = [];
  const models = request.pinnedProfileId ? [request.model] : [request.model, ...request.fallbacks.filter((m) => m !== request.model)];
  let lastFailure: { message: string; failureClass?: FailureClass } | undefined;
  let unavailableMessage: string | undefined;
  let exhaustedMessage: string | undefined;
  const aborted = (): TurnOutcome => ({ ok: false, aborted: true, message: "Stopped.", attempts });
  const estimate = estimateCall(request);

  for (const ref of models) {
    const { provider: providerId, model } = parseModelRef(ref);
    const provider = await deps.provider(providerId);
    if (!provider) {
      lastFailure ??= { message: `Provider "${providerId}" is not supported (model ${ref}).` };
      continue;
    }
    const resolver = await deps.resolver();
    const exclude = new Set<string>();
    for (;;) {
      if (request.signal?.aborted) return aborted();
      const credential = await resolver.next({ provider: providerId, model, pinnedProfileId: request.pinnedProfileId, exclude, estimate, signal: request.signal });
      if (request.signal?.aborted) {
        // stopped while waiting for rate-limit headroom
        if (!("unavailable" in credential)) resolver.release?.(credential.profileId, model);
        return aborted();
      }
      if ("unavailable" in credential) {
        if (exclude.size) exhaustedMessage = credential.message;
        else unavailableMessage ??= credential.message;
        break;
      }
      const previous = attempts.at(-1);
      if (previous && previous.profileId !== credential.profileId) {
        deps.emit?.({ type: "failover", fromProfile: previous.profileId, toProfile: credential.profileId, model });
      }
      const outcome = await callWithRetries(credential);
      if (outcome === "next") {
        if (request.pinnedProfileId) return { ok: false, aborted: false, attempts, ...lastFailure! };
        exclude.add(credential.profileId);
        continue;
      }
      if (outcome === "stop") return { ok: false, aborted: false, attempts, ...lastFailure! };
      if (outcome === "aborted") return aborted();
      return outcome;
    }

    async function callWithRetries(credential: ResolvedCredential): Promise<TurnOutcome | "next" | "stop" | "aborted"> {
      for (let attempt = 0; ; attempt++) {
        if (attempts.length) request.onRestart?.();
        attempts.push({ model: ref, profileId: credential.profileId, credentialType: credential.kind });
        const startedAt = Date.now();
        try {
          const result = await provider!.complete(credential, {
            model,
            system: request.system,
            messages: request.messages,
            maxTokens: request.maxTokens,
            temperature: request.temperature,
            cacheControlTtl: request.cacheControlTtl?.(ref),
            signal: request.signal,
            onText: request.onText,
            onResponseHeaders: (rateLimits) => resolver.observe?.(credential.profileId, model, rateLimits),
          });
          deps.emit?.({ type: "provider_request", provider: providerId, profileId: credential.profileId, model, result: "ok", durationMs: Date.now() - startedAt });
          await resolver.reportSuccess(credential.profileId, model, startedAt, result.rateLimits);
          return { ok: true, text: result.text, usage: result.usage, model: ref, requestedModel: request.model, profileId: credential.profileId, attempts };
        } catch (err) {
          if (isAbort(err, request.signal)) {
            resolver.release?.(credential.profileId, model);
            return "aborted";
          }
          const failure =
            err instanceof ProviderError
              ? err
              : new ProviderError(err instanceof Error ? err.message : String(err), "timeout");
          attempts[attempts.length - 1].failureClass = failure.failureClass;
          deps.emit?.({ type: "provider_request", provider: providerId, profileId: credential.profileId, model, result: failure.failureClass, durationMs: Date.now() - startedAt });
          lastFailure = { failureClass: failure.failureClass, message: failureAdvice(failure.failureClass, credentialRefOf(credential), failure.message) };
          const decision = await resolver.reportFailure(
            credential.profileId,
            model,
            { failureClass: failure.failureClass, retryAfterMs: failure.details.retryAfterMs, message: failure.message, rateLimits: failure.details.rateLimits },
            attempt,
          );
          if (decision.action === "retry") {
            await sleep(decision.delayMs, request.signal);
            // another call may have put this profile in cooldown during the pause: then it is not retried
            if (!request.pinnedProfileId && resolver.stillUsable && !(await resolver.stillUsable(credential.profileId, model))) {
              resolver.release?.(credential.profileId, model);
              return "next";
            }
            continue;
          }
          return decision.action;
        }
      }
    }
  }
  if (lastFailure && attempts.length) {
    const message = exhaustedMessage ? `${lastFailure.message}\n${exhaustedMessage}` : lastFailure.message;
    return { ok: false, aborted: false, attempts, failureClass: lastFailure.failureClass, message };
  }
  return { ok: false, aborted: false, attempts, message: unavailableMessage ?? lastFailure?.message ?? "No model could answer." };
}
