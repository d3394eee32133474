import { providerSettings } from "../providers/registry.js";
import { parseModelRef } from "./catalog.js";
import type { ModelFetcher } from "./model-catalog-cache.js";
import type { AgentRuntime } from "./runtime.js";

/**
 * `fetchModels(provider)` for each provider Baton can list: resolves one credential of the agent
 * (the resolver's first choice, as a turn would) only when the list is really fetched. A
 * provider without a list here is served by the built-in catalog alone.
 *
 * To add a provider: a case below returning a {@link ModelFetcher} built on its own list call.
 */
export function modelFetcherFor(runtime: AgentRuntime, agentId: string, provider: string): ModelFetcher | undefined {
  const credentialFor = async () => {
    const primary = parseModelRef(runtime.settings(agentId).primary);
    const model = primary.provider === provider ? primary.model : "";
    const resolver = await runtime.resolver(agentId);
    const credential = await resolver.next({ provider, model });
    if ("unavailable" in credential) throw new Error(credential.message.split("\n")[0]);
    return credential;
  };
  switch (provider) {
    case "anthropic": {
      const settings = runtime.runtime.config.models?.providers?.anthropic;
      return async (signal) => {
        const credential = await credentialFor();
        const { listAnthropicModels } = await import("../providers/anthropic/models.js");
        return listAnthropicModels(credential, {
          baseUrl: settings?.baseUrl ?? runtime.runtime.env.ANTHROPIC_BASE_URL,
          headers: settings?.headers,
          signal,
        });
      };
    }
    case "openrouter": {
      // OpenRouter's list is public: no credential is resolved (none needs to be stored to list)
      const settings = providerSettings("openrouter", runtime.runtime.config, runtime.runtime.env);
      return async (signal) => {
        const { listOpenRouterModels } = await import("../providers/openrouter/models.js");
        return listOpenRouterModels({ baseUrl: settings?.baseUrl, headers: settings?.headers, signal });
      };
    }
    default:
      return undefined;
  }
}

/** Providers the agent uses: its primary's, its fallbacks' and its allowlist's. */
export function providersInUse(runtime: AgentRuntime, agentId: string): string[] {
  const settings = runtime.settings(agentId);
  const refs = [settings.primary, ...settings.fallbacks, ...Object.keys(settings.models)];
  return [...new Set(refs.map((ref) => parseModelRef(ref).provider))];
}
