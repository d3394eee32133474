import { agentModelChoice, splitModelRef } from "../config/agents.js";
import type { BatonConfig } from "../config/schema.js";
import { credentialStanding, type CredentialStanding } from "../auth/status.js";
import type { ExtraBlock } from "../auth/order.js";
import type { AuthStoreData } from "../auth/types.js";

/**
 * How one agent's credentials stand now, provider by provider: what readiness, the profile
 * gauges and the status page all read. Pure over config, env, store and clock.
 */

/** One agent's auth store as this process decides on it: profiles from the file, usage stats from the state backend. */
export interface AgentAuth {
  agentId: string;
  store: AuthStoreData;
}

export interface AuthContext {
  config: BatonConfig;
  env: Readonly<Record<string, string | undefined>>;
  now: number;
  /** Blocks the resolver also applies beyond the usage stats (profiles over their budget). */
  extraBlock?: ExtraBlock;
}

export interface ProviderStanding {
  provider: string;
  /** The agent's model of this provider that was asked about (primary first), if it uses one. */
  model?: string;
  /** A model of the agent names this provider (else only a stored profile does). */
  modelInUse: boolean;
  standing: CredentialStanding;
}

/**
 * The providers the agent uses (its primary and fallback models' providers, then any provider
 * it has a profile of, as `models status` counts them) with their standing for the agent's
 * model of that provider.
 */
export function providerStandings(auth: AgentAuth, context: AuthContext): ProviderStanding[] {
  const { config, env, now, extraBlock } = context;
  const choice = agentModelChoice(config, auth.agentId);
  const modelOf = new Map<string, string>();
  for (const ref of [choice.primary, ...choice.fallbacks]) {
    const { provider, model } = splitModelRef(ref);
    if (!modelOf.has(provider)) modelOf.set(provider, model);
  }
  const profileProviders = [...Object.values(auth.store.profiles).map((p) => p.provider), ...Object.values(config.auth?.profiles ?? {}).map((p) => p.provider)];
  const providers = [...new Set([...modelOf.keys(), ...profileProviders])];
  return providers.map((provider) => {
    const model = modelOf.get(provider);
    const { standing } = credentialStanding({ provider, model, store: auth.store, auth: config.auth, env, now, agentId: auth.agentId, extraBlock });
    return { provider, ...(model ? { model } : {}), modelInUse: modelOf.has(provider), standing };
  });
}
