import type { BatonPaths } from "../config/paths.js";
import type { BatonConfig } from "../config/schema.js";
import type { RateLimitSnapshot } from "../providers/types.js";
import type { AuthUsageRepository } from "../state/auth-usage.js";
import { openStateBackend } from "../state/backend.js";
import { syncClaudeCredentials, type ClaudeSyncResult } from "./claude-sync.js";
import { cooldownPolicy } from "./cooldown.js";
import { decideAfterFailure, type FailureDecision } from "./failover.js";
import { profileAvailability, type ExtraBlock } from "./order.js";
import { needsRefresh, OAuthRefreshError, refreshOAuthProfile, type RefreshLock } from "./oauth-refresh.js";
import { RateLimitTracker, reportedResetMs, type CallEstimate } from "./rate-limits.js";
import { credentialOf, pinUnusable, selectCredential, type CredentialRequest, type CredentialUnavailable } from "./selector.js";
import { credentialStanding, type CredentialStanding } from "./status.js";
import { readAuthStoreCached } from "./store.js";
import type { AuthProfile, AuthStoreData, ResolvedCredential } from "./types.js";
import { isEnvProfile, UsageRecorder, type ReportedFailure } from "./usage-recorder.js";

export type { FailureDecision } from "./failover.js";
export type { CredentialRequest, CredentialUnavailable } from "./selector.js";
export type { DescribedProfile } from "./status.js";
export type { ReportedFailure } from "./usage-recorder.js";
export type { CallEstimate } from "./rate-limits.js";

/** What `next` is told besides the selection request. */
export interface NextCallOptions {
  /** What the call is expected to use, counted against the profile's reported headroom while it runs. */
  estimate?: CallEstimate;
  /** Ends a wait for headroom (see {@link HEADROOM_WAIT_MS}). */
  signal?: AbortSignal;
}

/**
 * How long `next` waits, at most, when every profile is held only by calls in flight (their
 * responses will say how much is left) before it answers that none is available.
 */
export const HEADROOM_WAIT_MS = 120_000;
/** While waiting, the headroom is looked at again after every report and at least this often. */
const HEADROOM_POLL_MS = 500;

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
  /**
   * The credential for the next call, counted as in flight (for rate-limit headroom) until
   * `reportSuccess`, a `reportFailure` that does not retry, or `release`.
   */
  next(req: CredentialRequest & NextCallOptions): Promise<ResolvedCredential | CredentialUnavailable>;
  /**
   * `startedAt`: when the successful call began; failures recorded after it are kept.
   * `rateLimits`: what the response's headers said about the credential's limits.
   */
  reportSuccess(profileId: string, model: string, startedAt?: number, rateLimits?: RateLimitSnapshot): Promise<void>;
  reportFailure(profileId: string, model: string, failure: ReportedFailure, attempt: number): Promise<FailureDecision>;
  /** A call handed out by `next` ended without an outcome to report (aborted). */
  release(profileId: string, model: string): void;
  /** A call's response started: what its headers said about the credential's limits (before the reply ends). */
  observe(profileId: string, model: string, rateLimits: RateLimitSnapshot | undefined): void;
  /** Whether no cooldown or disable now stands in the profile's way for `model` (checked before a retry). */
  stillUsable(profileId: string, model: string): Promise<boolean>;
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
  /** Single-flights OAuth refreshes across gateways (the state backend's lock); the file lock alone without it. */
  refreshLock?: RefreshLock;
}

export function isCredentialUnavailable(value: ResolvedCredential | CredentialUnavailable): value is CredentialUnavailable {
  return (value as CredentialUnavailable).unavailable === true;
}

/** Creates the resolver of one agent (all its providers); syncs Claude Code credentials into its store first. */
export async function createCredentialResolver(options: CredentialResolverOptions): Promise<CredentialResolver> {
  const { paths, config, env, agentId } = options;
  const now = options.now ?? Date.now;
  const storePath = paths.authStorePath(agentId);
  const usage = new UsageRecorder(options.usage ?? openStateBackend(config, paths, env).authUsage(agentId), cooldownPolicy(config.auth?.cooldowns), now);
  const claudeSync = await syncClaudeCredentials(storePath, paths.claudeCredentialsPath);
  const rateLimits = new RateLimitTracker(now);
  /** The provider each profile handed out last served, for `models.providers.<id>.rateLimitHeaders`. */
  const providerOf = new Map<string, string>();
  const readsHeaders = (provider: string | undefined) => provider === undefined || config.models?.providers?.[provider]?.rateLimitHeaders !== false;
  /** The tracker's block (for a call of `call`'s size) and the caller's, first block wins. */
  const blocksFor =
    (call?: CallEstimate): ExtraBlock =>
    (profileId, model) => {
      for (const block of [rateLimits.availabilityFor(call), ...(options.extraBlocks ?? [])]) {
        const found = block(profileId, model);
        if (found && !found.usable) return found;
      }
      return undefined;
    };
  const extraBlock = blocksFor();

  /** Profiles and order as stored, usage stats as this process should decide on them. */
  async function snapshot(): Promise<AuthStoreData> {
    const [store, usageStats] = await Promise.all([readAuthStoreCached(storePath), usage.snapshot()]);
    return { ...store, usageStats };
  }

  /** The profile with a valid access token; a failed refresh is recorded as an auth failure of the profile. */
  async function refreshed(profileId: string, profile: AuthProfile, model: string): Promise<AuthProfile | OAuthRefreshError> {
    if (!needsRefresh(profile, now())) return profile;
    try {
      return await refreshOAuthProfile({ storePath, profileId, tokenUrl: config.auth?.oauth?.tokenUrl, clientId: config.auth?.oauth?.clientId, fetch: options.fetch, now, lock: options.refreshLock });
    } catch (err) {
      if (!(err instanceof OAuthRefreshError)) throw err;
      await usage.recordFailure(profileId, model, { failureClass: "auth", message: err.message });
      return err;
    }
  }

  /** Resolves after the next rate-limit report or call end, `ms`, or an abort, whichever comes first. */
  function headroomChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = rateLimits.onChange(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async function next(request: CredentialRequest & NextCallOptions): Promise<ResolvedCredential | CredentialUnavailable> {
    const refreshFailures = new Map<string, string>();
    const tracking = readsHeaders(request.provider);
    const blocked = blocksFor(request.estimate);
    const waitUntil = Date.now() + HEADROOM_WAIT_MS;
    const begin = (profileId: string) => {
      providerOf.set(profileId, request.provider);
      if (tracking) rateLimits.begin(profileId, request.model, request.estimate);
    };
    // ends: every round answers, adds a profile to refreshFailures (which the selector passes
    // over), or waits for a call in flight to end (bounded by waitUntil)
    for (;;) {
      const selection = selectCredential({ request, store: await snapshot(), auth: config.auth, env, agentId, now: now(), refreshFailures, extraBlock: blocked });
      if (selection.kind === "none") {
        const waitMs = waitUntil - Date.now();
        const busy = tracking && !request.pinnedProfileId && rateLimits.hasBusy(request.model, rateLimits.profilesFor(request.model), request.exclude, request.estimate);
        if (!busy || waitMs <= 0 || request.signal?.aborted) return selection.unavailable;
        await headroomChange(Math.min(waitMs, HEADROOM_POLL_MS), request.signal);
        continue;
      }
      // counted in flight before any await, so concurrent selections see it
      if (selection.kind === "env") {
        begin(selection.credential.profileId);
        return selection.credential;
      }
      begin(selection.profileId);
      const ready = await refreshed(selection.profileId, selection.profile, request.model);
      if (!(ready instanceof OAuthRefreshError)) return credentialOf(selection.profileId, ready);
      release(selection.profileId, request.model);
      if (selection.pinned) return pinUnusable(selection.profileId, ready.message, "auth");
      refreshFailures.set(selection.profileId, ready.message);
    }
  }

  const tracks = (profileId: string) => readsHeaders(providerOf.get(profileId));

  function release(profileId: string, model: string): void {
    if (tracks(profileId)) rateLimits.end(profileId, model, false);
  }

  function observe(profileId: string, model: string, reported: RateLimitSnapshot | undefined): void {
    if (tracks(profileId)) rateLimits.observe(profileId, model, reported);
  }

  async function reportSuccess(profileId: string, model: string, startedAt?: number, reported?: RateLimitSnapshot): Promise<void> {
    if (tracks(profileId)) rateLimits.end(profileId, model, true, reported);
    await usage.recordSuccess(profileId, model, startedAt);
  }

  async function reportFailure(profileId: string, model: string, failure: ReportedFailure, attempt: number): Promise<FailureDecision> {
    const decision = decideAfterFailure(failure.failureClass, attempt);
    const tracked = tracks(profileId);
    if (tracked) {
      // a retry keeps the call in flight; anything else ends it
      if (decision.action === "retry") {
        if (failure.rateLimits) rateLimits.observe(profileId, model, failure.rateLimits);
      } else rateLimits.end(profileId, model, failure.rateLimits !== undefined, failure.rateLimits);
    }
    if (decision.action === "retry") return decision;
    // a 429 lasts until the reported reset, else retry-after, else the ladder (cooldown.ts)
    const reset = tracked && failure.failureClass === "rate_limit" ? reportedResetMs(failure.rateLimits, now()) : undefined;
    await usage.recordFailure(profileId, model, reset === undefined ? failure : { ...failure, retryAfterMs: reset });
    return decision;
  }

  /** Cooldowns and disables only: a retried call is still counted in flight, so its own headroom is not held against it. */
  async function stillUsable(profileId: string, model: string): Promise<boolean> {
    const store = await snapshot();
    const profile = store.profiles[profileId] ?? (isEnvProfile(profileId) ? ({ type: "api_key", provider: "env", key: "env" } as const) : undefined);
    return profileAvailability(profile, store.usageStats[profileId], now(), model).usable;
  }

  async function describe(provider: string, model: string): Promise<CredentialDescription> {
    const { standing } = credentialStanding({ provider, model, store: await snapshot(), auth: config.auth, env, now: now(), agentId, extraBlock });
    return { provider, model, ...standing };
  }

  return {
    agentId,
    storePath,
    claudeSync,
    next,
    reportSuccess,
    reportFailure,
    release,
    observe,
    stillUsable,
    describe,
  };
}
