import Anthropic from "@anthropic-ai/sdk";
import type { ResolvedCredential } from "../../auth/types.js";
import { cancelEnvCredentialHeaders, partitionUserHeaders } from "./headers.js";

export const DEFAULT_BASE_URL = "https://api.anthropic.com";

/**
 * An SDK client that sends exactly the resolved credential: one credential option is non-null,
 * so the SDK reads no ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_PROFILE or config-file
 * credential in addition to it, and `ANTHROPIC_CUSTOM_HEADERS` cannot add one. Never retries.
 */
export function createAnthropicClient(credential: ResolvedCredential, options: { baseUrl?: string; headers?: Record<string, string>; timeoutMs: number }): Anthropic {
  const { passthrough } = partitionUserHeaders(options.headers);
  return new Anthropic({
    apiKey: credential.kind === "apiKey" ? credential.secret : null,
    authToken: credential.kind === "authToken" ? credential.secret : null,
    credentials: null,
    config: null,
    profile: null,
    webhookKey: null,
    baseURL: options.baseUrl ?? DEFAULT_BASE_URL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    defaultHeaders: { ...cancelEnvCredentialHeaders(process.env.ANTHROPIC_CUSTOM_HEADERS), ...passthrough },
  });
}
