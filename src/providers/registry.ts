/**
 * The providers Baton can call, by id: display name, default base URL, the environment variables
 * that point it elsewhere or carry its key, and a factory that imports the provider (and its SDK)
 * only when a turn first needs it, so light commands (`models status`, `doctor`) never load an SDK.
 * Adding a provider is one entry here plus its directory under `src/providers/`.
 */
import type { BatonConfig } from "../config/schema.js";
import type { Provider } from "./types.js";

/** What a provider factory is given (resolved from config and environment by {@link providerSettings}). */
export interface ProviderSettings {
  baseUrl: string;
  /** `models.providers.<id>.headers`: extra headers for every call (credential headers are dropped). */
  headers?: Record<string, string>;
  /** `models.providers.<id>.timeoutMs`: how long to wait for the response to start, then for each next chunk. */
  timeoutMs?: number;
}

export interface ProviderEntry {
  id: string;
  /** Display name in messages, e.g. "OpenRouter". */
  label: string;
  defaultBaseUrl: string;
  /** Environment variable that overrides the base URL (below `models.providers.<id>.baseUrl`). */
  baseUrlEnv: string;
  /** Environment variable whose key serves when the agent stores no profile of the provider. */
  apiKeyEnv: string;
  /** Where a user creates API keys, as advice says it ("the Anthropic Console"). */
  keysAt: string;
  /** Where a user adds credits after a billing refusal. */
  creditsAt: string;
  /** The model onboarding suggests for this provider (`provider/model`). */
  suggestedModel: string;
  create(settings: ProviderSettings): Promise<Provider>;
}

/** Every provider Baton can call, in display order. */
export const PROVIDERS: readonly ProviderEntry[] = [
  {
    id: "anthropic",
    label: "Anthropic",
    defaultBaseUrl: "https://api.anthropic.com",
    baseUrlEnv: "ANTHROPIC_BASE_URL",
    apiKeyEnv: "ANTHROPIC_API_KEY",
    keysAt: "the Anthropic Console",
    creditsAt: "in the Anthropic Console",
    suggestedModel: "anthropic/claude-opus-4-5",
    create: async (settings) => (await import("./anthropic/provider.js")).createAnthropicProvider(settings),
  },
  {
    id: "openrouter",
    label: "OpenRouter",
    defaultBaseUrl: "https://openrouter.ai/api/v1",
    baseUrlEnv: "OPENROUTER_BASE_URL",
    apiKeyEnv: "OPENROUTER_API_KEY",
    keysAt: "your OpenRouter account (https://openrouter.ai/settings/keys)",
    creditsAt: "at https://openrouter.ai/settings/credits",
    suggestedModel: "openrouter/anthropic/claude-opus-4.5",
    create: async (settings) => (await import("./openrouter/provider.js")).createOpenRouterProvider(settings),
  },
];

const BY_ID = new Map(PROVIDERS.map((entry) => [entry.id, entry]));

/** The registry entry of `id`, or undefined for a provider Baton cannot call. */
export function providerEntry(id: string): ProviderEntry | undefined {
  return BY_ID.get(id);
}

/** Every provider id Baton can call, in display order. */
export function providerIds(): string[] {
  return PROVIDERS.map((entry) => entry.id);
}

/** "OpenRouter" for `openrouter`; an unknown id is shown as given. */
export function providerLabel(id: string): string {
  return BY_ID.get(id)?.label ?? id;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where `id` sends requests: `models.providers.<id>.baseUrl`, else its base URL variable, else
 * the provider's default. Undefined for an unknown provider.
 *
 * @example providerBaseUrl("openrouter", config, { OPENROUTER_BASE_URL: "http://127.0.0.1:9000/v1" })
 */
export function providerBaseUrl(id: string, config: BatonConfig, env: Env): string | undefined {
  const entry = BY_ID.get(id);
  if (!entry) return undefined;
  return config.models?.providers?.[id]?.baseUrl ?? (env[entry.baseUrlEnv]?.trim() || entry.defaultBaseUrl);
}

/** The settings the factory of `id` is given, or undefined for an unknown provider. */
export function providerSettings(id: string, config: BatonConfig, env: Env): ProviderSettings | undefined {
  const baseUrl = providerBaseUrl(id, config, env);
  if (baseUrl === undefined) return undefined;
  const configured = config.models?.providers?.[id];
  return {
    baseUrl,
    ...(configured?.headers ? { headers: configured.headers } : {}),
    ...(configured?.timeoutMs ? { timeoutMs: configured.timeoutMs } : {}),
  };
}

/** Creates the provider `id` (importing its module), or undefined when Baton has no such provider. */
export async function createProvider(id: string, config: BatonConfig, env: Env): Promise<Provider | undefined> {
  const entry = BY_ID.get(id);
  const settings = providerSettings(id, config, env);
  if (!entry || !settings) return undefined;
  return entry.create(settings);
}
