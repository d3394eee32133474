import { providerEntry } from "../providers/registry.js";
import { batonCommand as cli } from "../util/command-name.js";
import { formatDuration } from "../util/duration.js";
import type { ProfileType, UnusableProfile } from "./types.js";

/**
 * The user-facing troubleshooting texts of the product docs (seeds 000/001/002), in one place so
 * the resolver, `models status` and `doctor` say exactly the same thing.
 */

export const PER_AGENT_NOTE = "Auth is per agent. New agents don't inherit the main agent's keys.";

function pasteHint(provider: string): string {
  return provider === "anthropic" ? "a setup-token / API key" : "an API key";
}

/**
 * No profile and no env key for the provider. Commands are written as this process was run
 * (`./bin/baton` from a checkout where `baton` is not on PATH; see util/command-name.ts).
 */
export function noApiKeyMessage(provider: string, agentId: string): string {
  const envKey = providerEntry(provider)?.apiKeyEnv;
  const orEnv = envKey ? `, or set ${envKey} (in the environment or <state>/.env)` : "";
  return (
    `No API key found for provider "${provider}". ${PER_AGENT_NOTE} ` +
    `Re-run onboarding for that agent (\`${cli()} onboard --agent ${agentId}\`), or paste ${pasteHint(provider)} on the gateway host ` +
    `(\`${cli()} models auth paste-token --provider ${provider} --agent ${agentId}\`)${orEnv}, then verify with \`${cli()} models status\`.`
  );
}

/**
 * A profile is named (pinned, ordered or configured) but nothing usable is stored for it. With
 * `agentId` (the profile comes from the shared config, not a pin) the per-agent note is added:
 * the config is shared by all agents, the credentials are not.
 */
export function noCredentialsForProfileMessage(profileId: string, agentId?: string): string {
  const provider = profileId.split(":")[0];
  const scope = agentId ? ` for agent ${agentId}. ${PER_AGENT_NOTE}` : ".";
  const onboard = agentId ? `Re-run onboarding (\`${cli()} onboard --agent ${agentId}\`)` : "Re-run onboarding";
  const agentFlag = agentId ? ` --agent ${agentId}` : "";
  return (
    `No credentials found for profile ${profileId}${scope} Run \`${cli()} models status${agentFlag}\` to see which auth profile is active. ` +
    `${onboard}, or paste ${pasteHint(provider)} for that profile ` +
    `(\`${cli()} models auth paste-token --provider ${provider} --profile-id ${profileId}${agentFlag}\`).`
  );
}

/** Every profile of the provider is in cooldown, disabled or otherwise unusable. */
export function allUnusableMessage(provider: string, unusable: readonly UnusableProfile[], now: number): string {
  const soonest = unusable
    .filter((u) => u.until !== null && u.until > now)
    .sort((a, b) => (a.until as number) - (b.until as number))[0];
  const when = soonest
    ? `The soonest, ${soonest.profileId}, frees up in ${formatDuration((soonest.until as number) - now)} (at ${new Date(soonest.until as number).toISOString()}; ${soonest.reason}${soonest.model ? ` on ${soonest.model}` : ""}).`
    : `None frees up by itself: ${unusable.map((u) => `${u.profileId} ${describeKind(u)}`).join(", ") || "no profile is usable"}.`;
  return (
    `No available auth profile for ${provider} (all in cooldown/unavailable). ${when} ` +
    `Check \`baton models status --json\` for auth.unusableProfiles. Add another ${provider} profile or wait for cooldown.`
  );
}

/** `rejected (auth)`, `cooldown (rate_limit)`, `expired`, `budget`, `missing`. */
function describeKind(u: UnusableProfile): string {
  return u.kind === u.reason || u.kind === "expired" || u.kind === "budget" || u.kind === "missing" ? u.kind : `${u.kind} (${u.reason})`;
}

/** The credential a piece of advice is about: its profile, provider and stored type (`env` for a provider's environment variable). */
export interface CredentialRef {
  profileId: string;
  provider: string;
  type: ProfileType | "env";
}

/** Where a provider's API keys are made. */
function keyConsole(provider: string): string {
  return providerEntry(provider)?.keysAt ?? `your ${provider} account`;
}

/**
 * What to do about a credential the provider rejected (401/403), by its type (DESIGN §9): a new
 * API key for an `api_key`, the seeds' setup-token advice for a `token` or `oauth`, a new key in
 * the environment for an environment credential.
 */
export function rejectedCredentialAdvice(credential: CredentialRef): string {
  const { profileId, provider, type } = credential;
  switch (type) {
    case "api_key":
      return `Create a new key in ${keyConsole(provider)}, then \`baton models auth paste-token --provider ${provider} --profile-id ${profileId}\`.`;
    case "env": {
      const variable = profileId.startsWith("env:") ? profileId.slice(4) : "the API key variable";
      return `Create a new key in ${keyConsole(provider)} and set it as ${variable}, or store it with \`baton models auth paste-token --provider ${provider}\`.`;
    }
    case "token":
    case "oauth":
      return provider === "anthropic"
        ? "Claude subscription auth can expire or be revoked: re-run `claude setup-token` and paste it on the gateway host with " +
            `\`baton models auth paste-token --provider anthropic --profile-id ${profileId}\` (if the Claude CLI login lives on a different machine, paste the token there the same way).`
        : `Paste a new token with \`baton models auth paste-token --provider ${provider} --profile-id ${profileId}\`.`;
  }
}

/** A refreshable OAuth profile could not be refreshed. */
export function oauthRefreshFailedMessage(profileId: string, reason: string): string {
  return (
    `OAuth token refresh failed for ${profileId}: ${reason}. ` +
    `Re-run \`claude setup-token\` and paste it with \`${cli()} models auth paste-token --provider anthropic --profile-id ${profileId}\`, ` +
    "or resync Claude Code CLI OAuth on the gateway host."
  );
}

/** A static token (e.g. a setup-token) past its expiry. */
export function expiredTokenMessage(profileId: string): string {
  const [provider] = profileId.split(":");
  const rerun = provider === "anthropic" ? " Re-run `claude setup-token` and paste it with" : " Paste a new one with";
  return `The credential of ${profileId} has expired.${rerun} \`${cli()} models auth paste-token --provider ${provider} --profile-id ${profileId}\`. Check with \`${cli()} models status\`.`;
}

/** Anthropic refused a subscription credential outside Claude Code (seed 002). */
export const CLAUDE_CODE_ONLY_ADVICE =
  'Anthropic answered "This credential is only authorized for use with Claude Code and cannot be used for other API requests." Use an Anthropic API key instead (`baton onboard --auth-choice apiKey` or `baton models auth paste-token --provider anthropic`).';
