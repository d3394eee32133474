import type { BatonPaths } from "../config/paths.js";
import type { BatonConfig } from "../config/schema.js";
import { maskSecret } from "../util/mask.js";
import { syncClaudeCredentials, type ClaudeSyncResult } from "./claude-sync.js";
import { applyFailure, applySuccess, cooldownPolicy } from "./cooldown.js";
import { envCredential } from "./env-keys.js";
import { decideAfterFailure, type FailureDecision } from "./failover.js";
import { allUnusableMessage, expiredTokenMessage, noApiKeyMessage, noCredentialsForProfileMessage } from "./messages.js";
import { needsRefresh, OAuthRefreshError, refreshOAuthProfile } from "./oauth-refresh.js";
import { isExpiredStatic, profileAvailability, profileSecret, resolveProfileOrder, type OrderedProfile, type ProfileAvailability } from "./order.js";
import { redactSecrets } from "../util/redact.js";
import { readAuthStore, readAuthStoreCached, statsFor, updateAuthStore, type StoredUsageStats } from "./store.js";
import type { AuthProfile, AuthStoreData, FailureClass, ProfileType, ProfileUsageStats, ResolvedCredential, UnusableProfile } from "./types.js";

export type { FailureDecision } from "./failover.js";

/**
 * What the agent runtime asks for credentials (DESIGN.md §4): the next profile to try for
 * (agent, provider, model, optional session pin), and what happened with it. Usage stats live in
 * the agent's store, so every process sees the same cooldowns.
 */

export interface CredentialRequest {
  provider: string;
  /** Model id without the provider prefix, e.g. `claude-opus-4-5` (cooldowns are per model). */
  model: string;
  pinnedProfileId?: string;
  /** Profiles already tried in this turn. */
  exclude?: ReadonlySet<string>;
}

export interface CredentialUnavailable {
  unavailable: true;
  reason: "missing" | "all_unusable" | "pin_missing" | "pin_unusable";
  /** What to tell the user (the product docs' troubleshooting text). */
  message: string;
  /** When the soonest unusable profile frees up (ms since epoch). */
  soonestAt?: number;
  unusable: UnusableProfile[];
}

export interface ReportedFailure {
  failureClass: FailureClass;
  retryAfterMs?: number;
  /** The provider's message (redacted before it is stored). */
  message?: string;
}

export interface DescribedProfile {
  profileId: string;
  type: ProfileType | "env";
  /** Masked. */
  secret: string;
  usable: boolean;
  reason?: UnusableProfile["reason"];
  until: number | null;
  remainingMs: number | null;
  model?: string;
}

/** What `/model status` shows about credentials; never contains a whole secret. */
export interface CredentialDescription {
  provider: string;
  model: string;
  source: "profile" | "env" | "missing";
  /** The profile `next` would pick now, if any. */
  next: string | null;
  profiles: DescribedProfile[];
  /** Stored profiles of the provider that the order leaves out: never picked automatically, but a session may pin them. */
  outsideOrder: DescribedProfile[];
  /** The user-facing explanation when nothing is usable. */
  message?: string;
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
  now?: () => number;
  fetch?: typeof fetch;
}

export function isCredentialUnavailable(value: ResolvedCredential | CredentialUnavailable): value is CredentialUnavailable {
  return (value as CredentialUnavailable).unavailable === true;
}

const MAX_STORED_MESSAGE = 300;
const LAST_USED_FLUSH_MS = 30_000;

/** Does a success have anything to reset in these stats (counters, cooldowns, the last failure)? */
function hasFailureState(stats: StoredUsageStats, model: string): boolean {
  return (
    stats.errorCount > 0 ||
    Object.keys(stats.failureCounts).length > 0 ||
    stats.cooldownUntil > 0 ||
    stats.disabledUntil > 0 ||
    stats.disabledReason !== null ||
    model in stats.modelCooldowns ||
    stats.lastFailure !== undefined
  );
}

/** Creates the resolver of one agent; syncs Claude Code credentials into its store first. */
export async function createCredentialResolver(options: CredentialResolverOptions): Promise<CredentialResolver> {
  const { paths, config, env, agentId } = options;
  const now = options.now ?? Date.now;
  const storePath = paths.authStorePath(agentId);
  const policy = cooldownPolicy(config.auth?.cooldowns);
  const claudeSync = await syncClaudeCredentials(storePath, paths.claudeCredentialsPath);
  /** Env-sourced credentials have no store entry; their cooldowns live here, per process. */
  const envStats = new Map<string, ProfileUsageStats>();
  /**
   * Successes that changed nothing but `lastUsed`: kept here and written at most every
   * LAST_USED_FLUSH_MS, so a healthy gateway does not rewrite (and lock) the store on every turn.
   */
  const recentUse = new Map<string, number>();

  /** The store as order decisions should see it: `lastUsed` includes this process's unwritten uses. */
  async function currentStore(): Promise<AuthStoreData> {
    const store = await readAuthStoreCached(storePath);
    if (!recentUse.size) return store;
    const usageStats = { ...store.usageStats };
    for (const [profileId, at] of recentUse) {
      const stats = usageStats[profileId];
      if (stats && stats.lastUsed < at) usageStats[profileId] = { ...stats, lastUsed: at };
    }
    return { ...store, usageStats };
  }

  const credentialOf = (profileId: string, profile: AuthProfile): ResolvedCredential => ({
    profileId,
    provider: profile.provider,
    kind: profile.type === "api_key" ? "apiKey" : "authToken",
    secret: profileSecret(profile),
    source: "profile",
  });

  const unusableOf = (entry: ProfileAvailability & { profileId: string }, at: number): UnusableProfile => ({
    profileId: entry.profileId,
    reason: entry.reason ?? "cooldown",
    until: entry.until,
    remainingMs: entry.until === null ? null : Math.max(0, entry.until - at),
    ...(entry.model ? { model: entry.model } : {}),
  });

  async function recordFailure(profileId: string, model: string, failure: ReportedFailure): Promise<StoredUsageStats | undefined> {
    const at = now();
    return updateAuthStore(storePath, (store) => {
      if (!store.profiles[profileId]) return undefined;
      const updated: StoredUsageStats = applyFailure(statsFor(store, profileId), { failureClass: failure.failureClass, model, retryAfterMs: failure.retryAfterMs }, at, policy);
      updated.lastFailure = {
        failureClass: failure.failureClass,
        model,
        at,
        ...(failure.message ? { message: redactSecrets(failure.message).slice(0, MAX_STORED_MESSAGE) } : {}),
      };
      store.usageStats[profileId] = updated;
      return updated;
    });
  }

  async function refreshed(profileId: string, profile: AuthProfile, model: string): Promise<AuthProfile | OAuthRefreshError> {
    if (!needsRefresh(profile, now())) return profile;
    try {
      return await refreshOAuthProfile({
        storePath,
        profileId,
        tokenUrl: config.auth?.oauth?.tokenUrl,
        clientId: config.auth?.oauth?.clientId,
        fetch: options.fetch,
        now,
      });
    } catch (err) {
      if (!(err instanceof OAuthRefreshError)) throw err;
      await recordFailure(profileId, model, { failureClass: "auth", message: err.message });
      return err;
    }
  }

  function envFallback(req: CredentialRequest, listed: OrderedProfile[]): ResolvedCredential | CredentialUnavailable {
    const credential = envCredential(req.provider, env);
    if (!credential) {
      const message = listed.length ? noCredentialsForProfileMessage(listed[0].profileId, agentId) : noApiKeyMessage(req.provider, agentId);
      return { unavailable: true, reason: "missing", message, unusable: listed.map((entry) => unusableOf(entry, now())) };
    }
    const at = now();
    const availability = profileAvailability({ type: "api_key", provider: req.provider, key: credential.secret }, envStats.get(credential.profileId), at, req.model);
    if (availability.usable && !req.exclude?.has(credential.profileId)) return credential;
    const unusable = [unusableOf({ profileId: credential.profileId, ...availability }, at)];
    return { unavailable: true, reason: "all_unusable", message: allUnusableMessage(req.provider, unusable, at), soonestAt: availability.until ?? undefined, unusable };
  }

  async function pinned(req: CredentialRequest, profileId: string): Promise<ResolvedCredential | CredentialUnavailable> {
    if (profileId.startsWith("env:")) {
      const credential = envCredential(req.provider, env);
      if (credential?.profileId === profileId) return credential;
      return { unavailable: true, reason: "pin_missing", message: noCredentialsForProfileMessage(profileId), unusable: [] };
    }
    const store = await readAuthStore(storePath);
    const profile = store.profiles[profileId];
    if (!profile || !profileSecret(profile)?.trim()) {
      return { unavailable: true, reason: "pin_missing", message: noCredentialsForProfileMessage(profileId), unusable: [] };
    }
    const unusable = (message: string, reason: UnusableProfile["reason"]): CredentialUnavailable => ({
      unavailable: true,
      reason: "pin_unusable",
      message,
      unusable: [{ profileId, reason, until: null, remainingMs: null }],
    });
    if (profile.provider !== req.provider) {
      return unusable(`Profile ${profileId} is a ${profile.provider} credential; the model ${req.model} needs ${req.provider}.`, "missing_secret");
    }
    if (isExpiredStatic(profile, now())) return unusable(expiredTokenMessage(profileId), "expired");
    const ready = await refreshed(profileId, profile, req.model);
    if (ready instanceof OAuthRefreshError) return unusable(ready.message, "auth");
    // a pin is an explicit choice: used even in cooldown (a probe)
    return credentialOf(profileId, ready);
  }

  async function next(req: CredentialRequest): Promise<ResolvedCredential | CredentialUnavailable> {
    if (req.pinnedProfileId) return pinned(req, req.pinnedProfileId);
    const store = await currentStore();
    const order = resolveProfileOrder({ provider: req.provider, store, auth: config.auth, now: now(), model: req.model });
    if (!order.profiles.some((entry) => entry.profile)) return envFallback(req, order.profiles);

    const unusable: UnusableProfile[] = [];
    const refreshFailures: string[] = [];
    for (const entry of order.profiles) {
      if (req.exclude?.has(entry.profileId)) {
        const last = (store.usageStats[entry.profileId] as StoredUsageStats | undefined)?.lastFailure?.failureClass;
        unusable.push(unusableOf(entry.usable ? { ...entry, reason: last ?? "cooldown" } : entry, now()));
        continue;
      }
      if (!entry.usable || !entry.profile) {
        unusable.push(unusableOf(entry, now()));
        continue;
      }
      const ready = await refreshed(entry.profileId, entry.profile, req.model);
      if (ready instanceof OAuthRefreshError) {
        refreshFailures.push(ready.message);
        const stats = (await readAuthStore(storePath)).usageStats[entry.profileId];
        unusable.push(unusableOf({ profileId: entry.profileId, ...profileAvailability(entry.profile, stats, now(), req.model) }, now()));
        continue;
      }
      return credentialOf(entry.profileId, ready);
    }
    const at = now();
    const soonest = unusable.map((u) => u.until).filter((u): u is number => u !== null && u > at);
    const message = [...refreshFailures, allUnusableMessage(req.provider, unusable, at)].join(" ");
    return {
      unavailable: true,
      reason: "all_unusable",
      message,
      ...(soonest.length ? { soonestAt: Math.min(...soonest) } : {}),
      unusable,
    };
  }

  async function reportSuccess(profileId: string, model: string, startedAt?: number): Promise<void> {
    const at = now();
    const since = startedAt ?? at;
    if (profileId.startsWith("env:")) {
      envStats.set(profileId, applySuccess(envStats.get(profileId), model, at, since));
      return;
    }
    const stored = (await readAuthStoreCached(storePath)).usageStats[profileId];
    if (stored && !hasFailureState(stored, model) && at - stored.lastUsed < LAST_USED_FLUSH_MS) {
      recentUse.set(profileId, at);
      return;
    }
    recentUse.delete(profileId);
    await updateAuthStore(storePath, (store) => {
      if (!store.profiles[profileId]) return;
      const updated: StoredUsageStats = applySuccess(statsFor(store, profileId), model, at, since);
      if ((updated.lastFailureAt ?? 0) <= since) delete updated.lastFailure;
      store.usageStats[profileId] = updated;
    });
  }

  async function reportFailure(profileId: string, model: string, failure: ReportedFailure, attempt: number): Promise<FailureDecision> {
    const decision = decideAfterFailure(failure.failureClass, attempt);
    if (decision.action === "retry") return decision;
    if (profileId.startsWith("env:")) {
      const updated = applyFailure(envStats.get(profileId), { failureClass: failure.failureClass, model, retryAfterMs: failure.retryAfterMs }, now(), policy);
      envStats.set(profileId, updated);
      return decision;
    }
    await recordFailure(profileId, model, failure);
    return decision;
  }

  async function describe(provider: string, model: string): Promise<CredentialDescription> {
    const store = await currentStore();
    const at = now();
    const order = resolveProfileOrder({ provider, store, auth: config.auth, now: at, model });
    const describeEntry = (entry: OrderedProfile): DescribedProfile => ({
      profileId: entry.profileId,
      type: entry.profile?.type ?? "api_key",
      secret: entry.profile ? maskSecret(profileSecret(entry.profile)) : "(none)",
      usable: entry.usable,
      ...(entry.reason ? { reason: entry.reason } : {}),
      until: entry.until,
      remainingMs: entry.until === null ? null : Math.max(0, entry.until - at),
      ...(entry.model ? { model: entry.model } : {}),
    });
    const ordered = new Set(order.profiles.map((entry) => entry.profileId));
    const outsideOrder = Object.entries(store.profiles)
      .filter(([profileId, profile]) => profile.provider === provider && !ordered.has(profileId))
      .map(([profileId, profile]) => describeEntry({ profileId, profile, ...profileAvailability(profile, store.usageStats[profileId], at, model) }));
    if (order.profiles.some((entry) => entry.profile)) {
      const profiles = order.profiles.map(describeEntry);
      const pick = profiles.find((p) => p.usable)?.profileId ?? null;
      const unusable = order.profiles.filter((e) => !e.usable).map((e) => unusableOf(e, at));
      return { provider, model, source: "profile", next: pick, profiles, outsideOrder, ...(pick ? {} : { message: allUnusableMessage(provider, unusable, at) }) };
    }
    const credential = envCredential(provider, env);
    if (!credential) {
      const message = order.profiles.length ? noCredentialsForProfileMessage(order.profiles[0].profileId, agentId) : noApiKeyMessage(provider, agentId);
      return { provider, model, source: "missing", next: null, profiles: order.profiles.map(describeEntry), outsideOrder, message };
    }
    const availability = profileAvailability({ type: "api_key", provider, key: credential.secret }, envStats.get(credential.profileId), at, model);
    const envEntry: DescribedProfile = {
      profileId: credential.profileId,
      type: "env",
      secret: maskSecret(credential.secret),
      usable: availability.usable,
      ...(availability.reason ? { reason: availability.reason } : {}),
      until: availability.until,
      remainingMs: availability.until === null ? null : Math.max(0, availability.until - at),
      ...(availability.model ? { model: availability.model } : {}),
    };
    return { provider, model, source: "env", next: availability.usable ? credential.profileId : null, profiles: [envEntry], outsideOrder };
  }

  return { agentId, storePath, claudeSync, next, reportSuccess, reportFailure, describe };
}
