import { isClaudeCodeOnlyCredentialError } from "../auth/classify.js";
import { CLAUDE_CODE_ONLY_ADVICE, rejectedCredentialAdvice, type CredentialRef } from "../auth/messages.js";
import type { FailureClass, ResolvedCredential } from "../auth/types.js";
import { providerEntry, providerLabel } from "../providers/registry.js";

/**
 * The one plain message a chat user sees when a profile's call failed and nothing else
 * may or can answer. Carries the seeds' troubleshooting advice, fitted to the credential's type
 * (an API key is replaced in the Console, a subscription token with `claude setup-token`);
 * never a stack trace or secret.
 */
export function failureAdvice(failureClass: FailureClass, credential: CredentialRef, detail: string): string {
  const { profileId, provider } = credential;
  const name = providerLabel(provider);
  switch (failureClass) {
    case "auth":
      if (isClaudeCodeOnlyCredentialError(detail)) return `Profile ${profileId}: ${CLAUDE_CODE_ONLY_ADVICE}`;
      return `${name} rejected the ${credential.type === "api_key" || credential.type === "env" ? "API key" : "token"} of profile ${profileId} (${detail}). ${rejectedCredentialAdvice(credential)} Then check \`baton models status\`.`;
    case "rate_limit":
      return `Profile ${profileId} is rate-limited by ${name} (${detail}). Try again shortly, or add another ${name} profile.`;
    case "billing":
      return `Profile ${profileId} cannot be used: ${detail}. Add credits ${providerEntry(provider)?.creditsAt ?? `with ${name}`} or switch to another profile.`;
    case "overloaded":
      return `${name} is overloaded right now (${detail}). Please try again in a moment.`;
    case "timeout":
      return `The connection to ${name} failed (${detail}). Please try again.`;
    case "request":
      return `${name} refused the request: ${detail}`;
  }
}

/**
 * The credential as advice needs it: a resolved credential knows its kind (`apiKey` for an API
 * key, `authToken` for a token or OAuth access token, which take the same advice) and source.
 */
export function credentialRefOf(credential: Pick<ResolvedCredential, "profileId" | "provider" | "kind" | "source">): CredentialRef {
  const type = credential.source === "env" ? "env" : credential.kind === "apiKey" ? "api_key" : "token";
  return { profileId: credential.profileId, provider: credential.provider, type };
}
