import { isClaudeCodeOnlyCredentialError } from "../auth/classify.js";
import { CLAUDE_CODE_ONLY_ADVICE } from "../auth/messages.js";
import type { FailureClass } from "../auth/types.js";

/**
 * The one plain message a chat user sees when a profile's call failed and nothing else
 * may or can answer. Carries the seeds' troubleshooting advice; never a stack trace or secret.
 */
export function failureAdvice(failureClass: FailureClass, profileId: string, detail: string): string {
  switch (failureClass) {
    case "auth":
      if (isClaudeCodeOnlyCredentialError(detail)) return `Profile ${profileId}: ${CLAUDE_CODE_ONLY_ADVICE}`;
      return `Anthropic rejected the credential of profile ${profileId} (${detail}). Claude subscription auth can expire or be revoked: re-run \`claude setup-token\` and paste it on the gateway host with \`baton models auth paste-token --provider anthropic\`, then check \`baton models status\`.`;
    case "rate_limit":
      return `Profile ${profileId} is rate-limited by Anthropic (${detail}). Try again shortly, or add another Anthropic profile.`;
    case "billing":
      return `Profile ${profileId} cannot be used: ${detail}. Add credits in the Anthropic Console or switch to another profile.`;
    case "overloaded":
      return `Anthropic is overloaded right now (${detail}). Please try again in a moment.`;
    case "timeout":
      return `The connection to Anthropic failed (${detail}). Please try again.`;
    case "request":
      return `Anthropic refused the request: ${detail}`;
  }
}
