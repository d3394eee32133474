import { AgentRuntime } from "../../agents/runtime.js";
import { MODEL_CATALOG, parseModelRef } from "../../agents/catalog.js";
import { defaultModelRef, fallbackModelRefs } from "../../config/agents.js";
import type { Runtime } from "../../config/runtime.js";
import { isCredentialUnavailable } from "../../auth/resolver.js";
import { envCredential } from "../../auth/env-keys.js";
import { shortError } from "../../auth/order.js";
import type { AuthStoreData, FailureClass } from "../../auth/types.js";
import { ProviderError } from "../../providers/types.js";

/**
 * `baton models status --probe`: one minimal request per credential of the agent (every stored
 * profile, and each provider's environment key when no profile of it is stored), with
 * `max_tokens` 1 to the provider's cheapest current model. It goes the way a turn goes: the
 * credential comes from the agent's resolver as a pin (so a profile in cooldown is probed too;
 * an OAuth token is refreshed under the store lock), and the outcome is recorded in the usage
 * repository like a turn's, so a running gateway sees it (a success clears a rejection, a 401
 * makes one). Probes run a few at a time, each bounded by a timeout.
 */

export const PROBE_TIMEOUT_MS = 20_000;
export const PROBE_CONCURRENCY = 4;
const PROBE_PROMPT = "Reply with one word: ok";

export interface ProbeResult {
  profileId: string;
  provider: string;
  /** The model asked (without the provider prefix). */
  model: string;
  ok: boolean;
  /** The failure class when not ok (`timeout` for no answer within the probe timeout). */
  failureClass?: FailureClass;
  /** HTTP status of a failed call, when the provider answered. */
  status?: number;
  latencyMs: number;
  /** Short and masked. */
  error?: string;
  /** Why no request was sent (no secret, expired token, nothing to call the provider with). */
  skipped?: string;
}

export interface ProbeOptions {
  runtime: Runtime;
  agentId: string;
  store: AuthStoreData;
  timeoutMs?: number;
  concurrency?: number;
}

interface ProbeTarget {
  profileId: string;
  provider: string;
}

/** The cheapest current model of a provider: its `haiku` alias in the built-in catalog, else the agent's own model of that provider. */
export function probeModel(provider: string, modelRefs: readonly string[]): string | undefined {
  const cheapest = MODEL_CATALOG.find((m) => m.alias === "haiku" && parseModelRef(m.ref).provider === provider);
  if (cheapest) return parseModelRef(cheapest.ref).model;
  const own = modelRefs.map((ref) => parseModelRef(ref)).find((ref) => ref.provider === provider);
  return own?.model;
}

/** Every stored profile, and the environment key of each provider in use that has no stored profile. */
export function probeTargets(store: AuthStoreData, providersInUse: readonly string[], env: Readonly<Record<string, string | undefined>>): ProbeTarget[] {
  const stored = Object.entries(store.profiles)
    .map(([profileId, profile]) => ({ profileId, provider: profile.provider }))
    .sort((a, b) => a.profileId.localeCompare(b.profileId));
  const withProfiles = new Set(stored.map((t) => t.provider));
  const fromEnv = providersInUse
    .filter((provider) => !withProfiles.has(provider))
    .flatMap((provider) => {
      const credential = envCredential(provider, env);
      return credential ? [{ profileId: credential.profileId, provider }] : [];
    });
  return [...stored, ...fromEnv];
}

export async function probeProfiles(options: ProbeOptions): Promise<ProbeResult[]> {
  const { runtime, agentId, store } = options;
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const modelRefs = [defaultModelRef(runtime.config, agentId), ...fallbackModelRefs(runtime.config, agentId)];
  const inUse = [...new Set(modelRefs.map((ref) => parseModelRef(ref).provider))];
  const targets = probeTargets(store, inUse, runtime.env);
  const agents = new AgentRuntime(runtime);
  const resolver = await agents.resolver(agentId);

  async function probe(target: ProbeTarget): Promise<ProbeResult> {
    const { profileId, provider: providerId } = target;
    const model = probeModel(providerId, modelRefs);
    const base = { profileId, provider: providerId, model: model ?? "" };
    const provider = await agents.provider(providerId);
    if (!provider || !model) return { ...base, ok: false, latencyMs: 0, skipped: `Baton cannot call provider "${providerId}"` };
    const credential = await resolver.next({ provider: providerId, model, pinnedProfileId: profileId });
    if (isCredentialUnavailable(credential)) {
      const kind = credential.unusable[0]?.kind;
      // an OAuth refresh the token endpoint refused: recorded as an auth failure by the resolver
      if (kind === "rejected") return { ...base, ok: false, failureClass: "auth", latencyMs: 0, error: shortError(credential.message) };
      return { ...base, ok: false, latencyMs: 0, skipped: kind === "expired" ? "expired" : kind === "missing" || credential.reason === "pin_missing" ? "no secret stored" : shortError(credential.message) };
    }
    const startedAt = Date.now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      await provider.complete(credential, { model, messages: [{ role: "user", content: PROBE_PROMPT }], maxTokens: 1, signal });
      const latencyMs = Date.now() - startedAt;
      await resolver.reportSuccess(profileId, model, startedAt);
      return { ...base, ok: true, latencyMs };
    } catch (err) {
      const latencyMs = Date.now() - startedAt;
      const failure =
        err instanceof ProviderError
          ? err
          : new ProviderError(signal.aborted ? `no answer within ${Math.round(timeoutMs / 1000)}s` : err instanceof Error ? err.message : String(err), "timeout");
      // a high attempt number: the failure is recorded at once (no retry decision for a probe)
      await resolver.reportFailure(profileId, model, { failureClass: failure.failureClass, retryAfterMs: failure.details.retryAfterMs, message: failure.message }, Number.MAX_SAFE_INTEGER);
      const error = shortError(failure.message);
      return { ...base, ok: false, failureClass: failure.failureClass, ...(failure.details.status ? { status: failure.details.status } : {}), latencyMs, ...(error ? { error } : {}) };
    }
  }

  return mapLimited(targets, options.concurrency ?? PROBE_CONCURRENCY, async (target) => {
    try {
      return await probe(target);
    } catch (err) {
      // the store or the state backend failed around the call: report it as this probe's result
      return { profileId: target.profileId, provider: target.provider, model: "", ok: false, latencyMs: 0, error: shortError(err instanceof Error ? err.message : String(err)) };
    }
  });
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
