import type { BatonConfig } from "../config/schema.js";
import { maskSecret } from "../util/mask.js";
import { defaultModelRef, fallbackModelRefs, splitModelRef } from "../config/agents.js";
import type { ClaudeSyncResult } from "./claude-sync.js";
import { formatDuration } from "../util/duration.js";
import { envCredential, envKeyFor, PROVIDER_ENV_KEYS } from "./env-keys.js";
import { allUnusableMessage, noApiKeyMessage, noCredentialsForProfileMessage } from "./messages.js";
import {
  isExpiredStatic,
  profileAvailability,
  profileSecret,
  remainingMs,
  resolveProfileOrder,
  unusableEntry,
  type OrderedProfile,
  type OrderSource,
  type ProfileOrder,
} from "./order.js";
import type { AuthProfile, AuthStoreData, ProfileType, UnusableProfile } from "./types.js";

/**
 * The `baton models status` report, and how one provider's credentials stand (shared with the
 * resolver's `/model status` view). Pure over store + config + env + clock.
 *
 * `--check`: 1 when a provider in use (the agent's default and fallback models' providers, plus
 * every provider with a profile) has no credential at all, or any stored credential is expired
 * and cannot be renewed; 2 when a non-refreshable credential expires within 24 h; else 0.
 * Cooldowns and billing disables are temporary and do not fail the check; they show in
 * `auth.unusableProfiles`. An OAuth profile with a refresh token never counts as expiring.
 */

export const EXPIRING_WITHIN_MS = 24 * 3_600_000;

export type ExpiryState = "none" | "refreshable" | "ok" | "expiring" | "expired";

export type ProfileState = "ok" | "expiring" | "expired" | "static" | "cooldown" | "disabled" | "missing";

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
  /** `ok`, `expiring 3h 5m`, `expired`, `static`, `cooldown 42s`, `disabled 4h 59m (billing)`, `missing`. */
  status: string;
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
  const unusableProfiles = unusableOf(store, configured, now);
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
    check: checkOf(providers, profiles),
  };
}

function providerStatus(provider: string, inUse: boolean, input: StatusInput, defaultModel: string): ProviderStatus {
  const { store, config, env, now, agentId } = input;
  const ref = splitModelRef(defaultModel);
  const model = ref.provider === provider ? ref.model : undefined;
  const { order, standing } = credentialStanding({ provider, model, store, auth: config.auth, env, now, agentId });
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
  reason?: UnusableProfile["reason"];
  until: number | null;
  remainingMs: number | null;
  model?: string;
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
}

/** How `provider`'s credentials stand for `model`: the `/model status` view and the `models status` provider rows. */
export function credentialStanding(input: StandingInput): { order: ProfileOrder; standing: CredentialStanding } {
  const { provider, model, store, auth, env, now, agentId } = input;
  const order = resolveProfileOrder({ provider, store, auth, now, model });
  const describe = (entry: OrderedProfile): DescribedProfile => ({
    profileId: entry.profileId,
    type: entry.profile?.type ?? "api_key",
    secret: entry.profile ? maskSecret(profileSecret(entry.profile)) : "(none)",
    usable: entry.usable,
    ...(entry.reason ? { reason: entry.reason } : {}),
    until: entry.until,
    remainingMs: remainingMs(entry.until, now),
    ...(entry.model ? { model: entry.model } : {}),
  });
  const ordered = new Set(order.profiles.map((entry) => entry.profileId));
  const outsideOrder = Object.entries(store.profiles)
    .filter(([profileId, profile]) => profile.provider === provider && !ordered.has(profileId))
    .map(([profileId, profile]) => describe({ profileId, profile, ...profileAvailability(profile, store.usageStats[profileId], now, model) }));
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
  const availability = profileAvailability({ type: "api_key", provider, key: credential.secret }, store.usageStats[credential.profileId], now, model);
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

function unusableOf(store: AuthStoreData, configured: Record<string, { provider: string }>, now: number): UnusableProfile[] {
  const entries: UnusableProfile[] = [];
  const remaining = (until: number) => remainingMs(until, now);
  const ids = [...new Set([...Object.keys(store.profiles), ...Object.keys(configured), ...Object.values(store.order).flat()])].sort();
  for (const id of ids) {
    const profile = store.profiles[id];
    const stats = store.usageStats[id];
    const base = profileAvailability(profile, undefined, now);
    if (!base.usable) {
      entries.push({ profileId: id, reason: base.reason ?? "missing_secret", until: null, remainingMs: null });
      continue;
    }
    if (!stats) continue;
    if (stats.disabledUntil > now) entries.push({ profileId: id, reason: "disabled", until: stats.disabledUntil, remainingMs: remaining(stats.disabledUntil) });
    if (stats.cooldownUntil > now) entries.push({ profileId: id, reason: "cooldown", until: stats.cooldownUntil, remainingMs: remaining(stats.cooldownUntil) });
    for (const [model, cooldown] of Object.entries(stats.modelCooldowns ?? {})) {
      if (cooldown.until > now) entries.push({ profileId: id, reason: cooldown.reason, until: cooldown.until, remainingMs: remaining(cooldown.until), model });
    }
  }
  return entries;
}

function checkOf(providers: ProviderStatus[], profiles: ProfileStatus[]): ModelsStatusReport["check"] {
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
