import type { BatonConfig } from "../config/schema.js";
import { maskSecret } from "../util/mask.js";
import { defaultModelRef, fallbackModelRefs, splitModelRef } from "../config/agents.js";
import type { ClaudeSyncResult } from "./claude-sync.js";
import { formatDuration } from "../util/duration.js";
import { envCredential, envKeyFor, PROVIDER_ENV_KEYS } from "./env-keys.js";
import { allUnusableMessage, noApiKeyMessage, noCredentialsForProfileMessage } from "./messages.js";
import {
  isExpiredStatic,
  isRejected,
  profileAvailability,
  profileBlocks,
  profileSecret,
  remainingMs,
  resolveProfileOrder,
  shortError,
  unusableEntry,
  type ExtraBlock,
  type OrderedProfile,
  type OrderSource,
  type ProfileOrder,
} from "./order.js";
import type { AuthProfile, AuthStoreData, ProfileType, UnusableKind, UnusableProfile } from "./types.js";

/**
 * The `baton models status` report, and how one provider's credentials stand (shared with the
 * resolver's `/model status` view). Pure over store + config + env + clock.
 *
 * `--check`: 1 when a provider in use (the agent's default and fallback models' providers, plus
 * every provider with a profile) has no credential at all, any stored credential is expired
 * and cannot be renewed, or a profile was rejected by its provider and has not succeeded since;
 * 2 when a non-refreshable credential expires within 24 h; else 0. Cooldowns, billing disables
 * and budgets are temporary and do not fail the check; they show in `auth.unusableProfiles`.
 * An OAuth profile with a refresh token never counts as expiring.
 */

export const EXPIRING_WITHIN_MS = 24 * 3_600_000;

export type ExpiryState = "none" | "refreshable" | "ok" | "expiring" | "expired";

export type ProfileState = "ok" | "expiring" | "expired" | "static" | "cooldown" | "disabled" | "rejected" | "missing";

export interface ProfileStatus {
  id: string;
  provider: string;
  type: ProfileType | null;
  /** Masked. */
  secret: string;
  /** ms since epoch; null = no known expiry. */
  expires: number | null;
  /** Whether Baton renews it by itself (OAuth with a refresh token). */
  refreshable: boolean;
  state: ProfileState;
  /** Expiry alone, whatever the cooldowns: `none` (no expiry), `refreshable`, `ok`, `expiring`, `expired`. */
  expiry: ExpiryState;
  /** `ok`, `expiring 3h 5m`, `expired`, `static`, `cooldown 42s`, `disabled 4h 59m (billing)`, `rejected (401: invalid x-api-key)`, `missing`. */
  status: string;
  /** The provider's last error for this profile, short and masked. */
  lastError?: string;
  /** Listed in config `auth.profiles`. */
  configured: boolean;
  lastUsed: number | null;
}

export interface ProviderStatus {
  provider: string;
  inUse: boolean;
  effective: { source: "profile" | "env" | "missing" | "unavailable"; profileId?: string; envVar?: string; type?: ProfileType | "env"; secret?: string };
  order: string[];
  orderSource: OrderSource;
  envVar: { name: string; set: boolean } | null;
  /** The troubleshooting text when this provider has no usable credential. */
  message?: string;
}

export interface ModelsStatusReport {
  agentId: string;
  configPath: string;
  stateDir: string;
  storePath: string;
  defaultModel: string;
  auth: {
    claudeCode: { status: ClaudeSyncResult["status"]; profileId: string; problem?: string } | null;
    providers: ProviderStatus[];
    profiles: ProfileStatus[];
    unusableProfiles: UnusableProfile[];
  };
  check: { exitCode: 0 | 1 | 2; problems: string[] };
}

export interface StatusInput {
  agentId: string;
  configPath: string;
  stateDir: string;
  storePath: string;
  config: BatonConfig;
  env: Readonly<Record<string, string | undefined>>;
  store: AuthStoreData;
  now: number;
  claudeSync?: ClaudeSyncResult;
  /** Blocks outside the usage stats (budgets, rate-limit headroom) known to the caller. */
  extraBlock?: ExtraBlock;
}

export function buildModelsStatus(input: StatusInput): ModelsStatusReport {
  const { config, env, store, now, agentId } = input;
  const defaultModel = defaultModelRef(config, agentId);
  const modelProviders = [defaultModel, ...fallbackModelRefs(config, agentId)].map((ref) => splitModelRef(ref).provider);
  const configured = config.auth?.profiles ?? {};
  const profileProviders = [...Object.values(store.profiles).map((p) => p.provider), ...Object.values(configured).map((p) => p.provider)];
  const envProviders = Object.keys(PROVIDER_ENV_KEYS).filter((provider) => envCredential(provider, env));
  const providerIds = [...new Set([...modelProviders, ...profileProviders, ...envProviders])];
  const inUse = new Set([...modelProviders, ...profileProviders]);

  const profiles = profileStatuses(store, configured, now);
  const unusableProfiles = unusableOf(store, configured, now, input.extraBlock);
  const providers = providerIds.map((provider) => providerStatus(provider, inUse.has(provider), input, defaultModel));
  return {
    agentId,
    configPath: input.configPath,
    stateDir: input.stateDir,
    storePath: input.storePath,
    defaultModel,
    auth: {
      claudeCode: input.claudeSync
        ? { status: input.claudeSync.status, profileId: input.claudeSync.profileId, ...(input.claudeSync.problem ? { problem: input.claudeSync.problem } : {}) }
        : null,
      providers,
      profiles,
      unusableProfiles,
    },
    check: checkOf(providers, profiles, inUse),
  };
}

function providerStatus(provider: string, inUse: boolean, input: StatusInput, defaultModel: string): ProviderStatus {
  const { store, config, env, now, agentId } = input;
  const ref = splitModelRef(defaultModel);
  const model = ref.provider === provider ? ref.model : undefined;
  const { order, standing } = credentialStanding({ provider, model, store, auth: config.auth, env, now, agentId, extraBlock: input.extraBlock });
  const name = envKeyFor(provider);
  const envVar = name ? { name, set: !!env[name]?.trim() } : null;
  const base = { provider, inUse, order: order.profiles.map((p) => p.profileId), orderSource: order.source, envVar };
  const next = standing.profiles.find((p) => p.profileId === standing.next);
  switch (standing.source) {
    case "profile":
      if (!next) return { ...base, effective: { source: "unavailable" }, message: standing.message };
      return { ...base, effective: { source: "profile", profileId: next.profileId, type: next.type, secret: next.secret } };
    case "env":
      return { ...base, effective: { source: "env", envVar: name, type: "env", secret: standing.profiles[0].secret } };
    case "missing":
      return { ...base, effective: { source: "missing" }, message: standing.message };
  }
}

/** A profile as `/model status` lists it; never a whole secret. */
export interface DescribedProfile {
  profileId: string;
  type: ProfileType | "env";
  /** Masked. */
  secret: string;
  usable: boolean;
  /** Set when unusable, and `rejected` on a usable profile the provider refused last time (tried after the healthy ones). */
  kind?: UnusableKind;
  reason?: UnusableProfile["reason"];
  until: number | null;
  remainingMs: number | null;
  model?: string;
  lastError?: string;
}

/** Where a provider's credential would come from now, and why none can answer when none can. */
export interface CredentialStanding {
  /** Stored profiles, the provider's environment variable (no profile stored), or neither. */
  source: "profile" | "env" | "missing";
  /** The profile the resolver would pick now, if any. */
  next: string | null;
  /** In order (usable first); with `source: "env"`, the environment credential. */
  profiles: DescribedProfile[];
  /** Stored profiles of the provider that the order leaves out: never picked automatically, but a session may pin them. */
  outsideOrder: DescribedProfile[];
  /** The user-facing explanation when nothing is usable. */
  message?: string;
}

export interface StandingInput {
  provider: string;
  /** The model about to be called: cooldowns scoped to other models do not count. */
  model?: string;
  /** Usage stats include whatever the caller knows beyond the file (the resolver: env credentials' cooldowns). */
  store: AuthStoreData;
  auth: BatonConfig["auth"];
  env: Readonly<Record<string, string | undefined>>;
  now: number;
  agentId: string;
  /** Blocks outside the usage stats (the resolver's rate-limit headroom and budgets). */
  extraBlock?: ExtraBlock;
}

/** How `provider`'s credentials stand for `model`: the `/model status` view and the `models status` provider rows. */
export function credentialStanding(input: StandingInput): { order: ProfileOrder; standing: CredentialStanding } {
  const { provider, model, store, auth, env, now, agentId, extraBlock } = input;
  const order = resolveProfileOrder({ provider, store, auth, now, model, extraBlock });
  const describe = (entry: OrderedProfile): DescribedProfile => {
    const unusable = entry.usable ? undefined : unusableEntry(entry, now);
    return {
      profileId: entry.profileId,
      type: entry.profile?.type ?? "api_key",
      secret: entry.profile ? maskSecret(profileSecret(entry.profile)) : "(none)",
      usable: entry.usable,
      ...(unusable ? { kind: unusable.kind, reason: unusable.reason } : entry.rejected ? { kind: "rejected" as const, reason: "auth" as const } : {}),
      until: entry.until,
      remainingMs: remainingMs(entry.until, now),
      ...(entry.model ? { model: entry.model } : {}),
      ...(entry.lastError ? { lastError: entry.lastError } : {}),
    };
  };
  const ordered = new Set(order.profiles.map((entry) => entry.profileId));
  const outsideOrder = Object.entries(store.profiles)
    .filter(([profileId, profile]) => profile.provider === provider && !ordered.has(profileId))
    .map(([profileId, profile]) => describe({ profileId, profile, ...profileAvailability(profile, store.usageStats[profileId], now, model, extraBlock?.(profileId, model)) }));
  if (order.profiles.some((entry) => entry.profile)) {
    const profiles = order.profiles.map(describe);
    const next = profiles.find((p) => p.usable)?.profileId ?? null;
    const message = next ? undefined : allUnusableMessage(provider, order.profiles.map((entry) => unusableEntry(entry, now)), now);
    return { order, standing: { source: "profile", next, profiles, outsideOrder, ...(message ? { message } : {}) } };
  }
  const credential = envCredential(provider, env);
  if (!credential) {
    const message = order.profiles.length ? noCredentialsForProfileMessage(order.profiles[0].profileId, agentId) : noApiKeyMessage(provider, agentId);
    return { order, standing: { source: "missing", next: null, profiles: order.profiles.map(describe), outsideOrder, message } };
  }
  const availability = profileAvailability({ type: "api_key", provider, key: credential.secret }, store.usageStats[credential.profileId], now, model, extraBlock?.(credential.profileId, model));
  const entry = { ...describe({ profileId: credential.profileId, ...availability }), type: "env" as const, secret: maskSecret(credential.secret) };
  return { order, standing: { source: "env", next: availability.usable ? credential.profileId : null, profiles: [entry], outsideOrder } };
}

function profileStatuses(store: AuthStoreData, configured: Record<string, { provider: string }>, now: number): ProfileStatus[] {
  const ids = [...new Set([...Object.keys(store.profiles), ...Object.keys(configured)])].sort();
  return ids.map((id) => {
    const profile = store.profiles[id];
    const stats = store.usageStats[id];
    if (!profile) {
      return {
        id,
        provider: configured[id].provider,
        type: null,
        secret: "(none)",
        expires: null,
        refreshable: false,
        state: "missing",
        expiry: "none",
        status: "missing",
        configured: true,
        lastUsed: null,
      } satisfies ProfileStatus;
    }
    const expiry = expiryOf(profile, now);
    const { state, status } = stateOf(profile, expiry, stats, now);
    const lastError = shortError(stats?.lastFailure?.message);
    return {
      id,
      provider: profile.provider,
      type: profile.type,
      secret: maskSecret(profileSecret(profile)),
      expires: profile.type === "api_key" ? null : (profile.expires ?? null),
      refreshable: profile.type === "oauth" && !!profile.refresh,
      state,
      expiry,
      status,
      configured: id in configured,
      lastUsed: stats?.lastUsed || null,
      ...(lastError ? { lastError } : {}),
    };
  });
}

function expiryOf(profile: AuthProfile, now: number): ExpiryState {
  if (profile.type === "api_key" || (profile.type === "token" && profile.expires === undefined)) return "none";
  if (profile.type === "oauth" && profile.refresh) return "refreshable";
  if (isExpiredStatic(profile, now)) return "expired";
  return (profile.expires as number) - now <= EXPIRING_WITHIN_MS ? "expiring" : "ok";
}

function stateOf(profile: AuthProfile, expiry: ExpiryState, stats: AuthStoreData["usageStats"][string] | undefined, now: number): { state: ProfileState; status: string } {
  if (!profileSecret(profile)?.trim()) return { state: "missing", status: "missing" };
  if (expiry === "expired") return { state: "expired", status: "expired" };
  if (isRejected(stats)) return { state: "rejected", status: `rejected (${rejectionDetail(stats?.lastFailure?.message)})` };
  if (stats && stats.disabledUntil > now) {
    return { state: "disabled", status: `disabled ${formatDuration(stats.disabledUntil - now)}${stats.disabledReason ? ` (${stats.disabledReason})` : ""}` };
  }
  if (stats && stats.cooldownUntil > now) return { state: "cooldown", status: `cooldown ${formatDuration(stats.cooldownUntil - now)}` };
  const scoped = Object.entries(stats?.modelCooldowns ?? {}).filter(([, c]) => c.until > now);
  if (scoped.length) {
    const [model, cooldown] = scoped.sort((a, b) => b[1].until - a[1].until)[0];
    return { state: "cooldown", status: `cooldown ${formatDuration(cooldown.until - now)} on ${model} (${cooldown.reason})` };
  }
  if (expiry === "none") return { state: "static", status: "static" };
  if (expiry === "expiring") return { state: "expiring", status: `expiring in ${formatDuration((profile as { expires: number }).expires - now)}` };
  return { state: "ok", status: "ok" };
}

/** `401: invalid x-api-key` from a stored `Anthropic API error 401 authentication_error: invalid x-api-key`; `auth` when nothing was stored. */
export function rejectionDetail(message: string | undefined): string {
  const short = shortError(message);
  if (!short) return "auth";
  return short.replace(/^(\d{3}) [a-z_]+(?=:)/, "$1");
}

function unusableOf(store: AuthStoreData, configured: Record<string, { provider: string }>, now: number, extraBlock?: ExtraBlock): UnusableProfile[] {
  const entries: UnusableProfile[] = [];
  const ids = [...new Set([...Object.keys(store.profiles), ...Object.keys(configured), ...Object.values(store.order).flat()])].sort();
  for (const id of ids) {
    const stats = store.usageStats[id];
    const blocks = profileBlocks(store.profiles[id], stats, now, "*", extraBlock?.(id));
    for (const block of blocks) entries.push(unusableEntry({ profileId: id, ...block }, now));
    // rejected and its retry time passed: still rejected until a success, a clear or a new secret
    if (isRejected(stats) && !entries.some((e) => e.profileId === id && (e.kind === "rejected" || e.kind === "expired" || e.kind === "missing"))) {
      const lastError = shortError(stats?.lastFailure?.message);
      entries.push({ profileId: id, kind: "rejected", reason: "auth", until: null, remainingMs: null, ...(lastError ? { lastError } : {}) });
    }
  }
  return entries;
}

function checkOf(providers: ProviderStatus[], profiles: ProfileStatus[], inUse: ReadonlySet<string>): ModelsStatusReport["check"] {
  const problems: string[] = [];
  let exitCode: 0 | 1 | 2 = 0;
  for (const p of providers) {
    if (p.inUse && p.effective.source === "missing") {
      problems.push(`${p.provider}: no credential`);
      exitCode = 1;
    }
  }
  for (const p of profiles) {
    if (p.expiry === "expired") {
      problems.push(`${p.id}: expired`);
      exitCode = 1;
    } else if (p.state === "rejected" && inUse.has(p.provider)) {
      problems.push(`${p.id}: ${p.status}`);
      exitCode = 1;
    }
  }
  if (exitCode === 0) {
    for (const p of profiles) {
      if (p.expiry === "expiring") {
        problems.push(`${p.id}: expires at ${new Date(p.expires as number).toISOString()}`);
        exitCode = 2;
      }
    }
  }
  return { exitCode, problems };
}
