import type { BatonPaths } from "../config/paths.js";
import type { BatonConfig } from "../config/schema.js";
import type { AuthUsageRepository } from "../state/auth-usage.js";
import { openStateBackend } from "../state/backend.js";
import { syncClaudeCredentials, type ClaudeSyncResult } from "./claude-sync.js";
import { cooldownPolicy } from "./cooldown.js";
import { decideAfterFailure, type FailureDecision } from "./failover.js";
import type { ExtraBlock } from "./order.js";
import { needsRefresh, OAuthRefreshError, refreshOAuthProfile } from "./oauth-refresh.js";
import { credentialOf, pinUnusable, selectCredential, type CredentialRequest, type CredentialUnavailable } from "./selector.js";
import { credentialStanding, type CredentialStanding } from "./status.js";
import { readAuthStoreCached } from "./store.js";
import type { AuthProfile, AuthStoreData, ResolvedCredential } from "./types.js";
import { UsageRecorder, type ReportedFailure } from "./usage-recorder.js";

export type { FailureDecision } from "./failover.js";
export type { CredentialRequest, CredentialUnavailable } from "./selector.js";
export type { DescribedProfile } from "./status.js";
export type { ReportedFailure } from "./usage-recorder.js";

/**
 * What the agent runtime asks for credentials: the next profile to try for (provider, model,
 * optional session pin), and what happened with it. A thin coordinator: the pure selector
 * (`selector.ts`) chooses, the usage recorder (`usage-recorder.ts`) records outcomes in the
 * state backend, `oauth-refresh.ts` renews tokens, `status.ts` describes.
 */

/** What `/model status` shows about credentials; never contains a whole secret. */
export interface CredentialDescription extends CredentialStanding {
  provider: string;
  model: string;
}

export interface CredentialResolver {
  readonly agentId: string;
  readonly storePath: string;
  /** What the Claude Code sync at creation did. */
  readonly claudeSync: ClaudeSyncResult;
  next(req: CredentialRequest): Promise<ResolvedCredential | CredentialUnavailable>;
  /** `startedAt`: when the successful call began; failures recorded after it are kept. */
  reportSuccess(profileId: string, model: string, startedAt?: number): Promise<void>;
  reportFailure(profileId: string, model: string, failure: ReportedFailure, attempt: number): Promise<FailureDecision>;
  describe(provider: string, model: string): Promise<CredentialDescription>;
}

export interface CredentialResolverOptions {
  paths: BatonPaths;
  config: BatonConfig;
  env: Readonly<Record<string, string | undefined>>;
  agentId: string;
  /** Where usage stats live; by default the configured state backend's. */
  usage?: AuthUsageRepository;
  now?: () => number;
  fetch?: typeof fetch;
  /** Blocks outside the usage stats, consulted on every selection (rate-limit headroom, budgets). */
  extraBlocks?: ExtraBlock[];
}

export function isCredentialUnavailable(value: ResolvedCredential | CredentialUnavailable): value is CredentialUnavailable {
  return (value as CredentialUnavailable).unavailable === true;
}

/** Creates the resolver of one agent (all its providers); syncs Claude Code credentials into its store first. */
export async function createCredentialResolver(options: CredentialResolverOptions): Promise<CredentialResolver> {
  const { paths, config, env, agentId } = options;
  const now = options.now ?? Date.now;
  const storePath = paths.authStorePath(agentId);
  const usage = new UsageRecorder(options.usage ?? openStateBackend(config, paths).authUsage(agentId), cooldownPolicy(config.auth?.cooldowns), now);
  const claudeSync = await syncClaudeCredentials(storePath, paths.claudeCredentialsPath);
  const blocks = options.extraBlocks ?? [];
  const extraBlock: ExtraBlock | undefined = blocks.length
    ? (profileId, model) => {
        for (const block of blocks) {
          const found = block(profileId, model);
          if (found && !found.usable) return found;
        }
        return undefined;
      }
    : undefined;

  /** Profiles and order as stored, usage stats as this process should decide on them. */
  async function snapshot(): Promise<AuthStoreData> {
    const [store, usageStats] = await Promise.all([readAuthStoreCached(storePath), usage.snapshot()]);
    return { ...store, usageStats };
  }

  /** The profile with a valid access token; a failed refresh is recorded as an auth failure of the profile. */
  async function refreshed(profileId: string, profile: AuthProfile, model: string): Promise<AuthProfile | OAuthRefreshError> {
    if (!needsRefresh(profile, now())) return profile;
    try {
      return await refreshOAuthProfile({ storePath, profileId, tokenUrl: config.auth?.oauth?.tokenUrl, clientId: config.auth?.oauth?.clientId, fetch: options.fetch, now });
    } catch (err) {
      if (!(err instanceof OAuthRefreshError)) throw err;
      await usage.recordFailure(profileId, model, { failureClass: "auth", message: err.message });
      return err;
    }
  }

  async function next(request: CredentialRequest): Promise<ResolvedCredential | CredentialUnavailable> {
    const refreshFailures = new Map<string, string>();
    // ends: every round either answers or adds a profile to refreshFailures, which the selector passes over
    for (;;) {
      const selection = selectCredential({ request, store: await snapshot(), auth: config.auth, env, agentId, now: now(), refreshFailures, extraBlock });
      if (selection.kind === "none") return selection.unavailable;
      if (selection.kind === "env") return selection.credential;
      const ready = await refreshed(selection.profileId, selection.profile, request.model);
      if (!(ready instanceof OAuthRefreshError)) return credentialOf(selection.profileId, ready);
      if (selection.pinned) return pinUnusable(selection.profileId, ready.message, "auth");
      refreshFailures.set(selection.profileId, ready.message);
    }
  }

  async function reportFailure(profileId: string, model: string, failure: ReportedFailure, attempt: number): Promise<FailureDecision> {
    const decision = decideAfterFailure(failure.failureClass, attempt);
    if (decision.action !== "retry") await usage.recordFailure(profileId, model, failure);
    return decision;
  }

  async function describe(provider: string, model: string): Promise<CredentialDescription> {
    const { standing } = credentialStanding({ provider, model, store: await snapshot(), auth: config.auth, env, now: now(), agentId });
    return { provider, model, ...standing };
  }

  return {
    agentId,
    storePath,
    claudeSync,
    next,
    reportSuccess: (profileId, model, startedAt) => usage.recordSuccess(profileId, model, startedAt),
    reportFailure,
    describe,
  };
}
