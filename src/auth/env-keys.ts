import { PROVIDERS } from "../providers/registry.js";
import type { ResolvedCredential } from "./types.js";

/** The environment variable that carries each provider's key when no profile is stored (from the provider registry). */
export const PROVIDER_ENV_KEYS: Readonly<Record<string, string>> = Object.fromEntries(PROVIDERS.map((p) => [p.id, p.apiKeyEnv]));

export function envKeyFor(provider: string): string | undefined {
  return PROVIDER_ENV_KEYS[provider];
}

/** The env-sourced credential of `provider`, when its variable is set. A setup-token in ANTHROPIC_API_KEY is sent as a bearer token. */
export function envCredential(provider: string, env: Readonly<Record<string, string | undefined>>): ResolvedCredential | undefined {
  const name = envKeyFor(provider);
  const secret = name ? env[name]?.trim() : undefined;
  if (!name || !secret) return undefined;
  const kind = secret.startsWith("sk-ant-oat") ? "authToken" : "apiKey";
  return { profileId: `env:${name}`, provider, kind, secret, source: "env" };
}
