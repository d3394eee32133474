import type { BatonConfig } from "../config/schema.js";
import { maskSecret } from "../util/mask.js";
import { defaultModelRef, fallbackModelRefs, splitModelRef } from "../config/agents.js";
import type { ClaudeSyncResult } from "./claude-sync.js";
import { formatDuration } from "../util/duration.js";
import { envCredential, envKeyFor, PROVIDER_ENV_KEYS } from "./env-keys.js";
import { allUnusableMessage, noApiKeyMessage, noCredentialsForProfileMessage } from "./messages.js";
import { isExpiredStatic, profileAvailability, profileSecret, resolveProfileOrder, type OrderSource } from "./order.js";
import type { AuthProfile, AuthStoreData, ProfileType, UnusableProfile } from "./types.js";

/**
 * The `baton models status` report (DESIGN.md §5). Pure over store + config + env + clock.
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
  const order = resolveProfileOrder({ provider, store, auth: config.auth, now, model });
  const name = envKeyFor(provider);
  const envVar = name ? { name, set: !!env[name]?.trim() } : null;
  const base = { provider, inUse, order: order.profiles.map((p) => p.profileId), orderSource: order.source, envVar };
  if (order.profiles.some((p) => p.profile)) {
    const first = order.profiles.find((p) => p.usable && p.profile);
    if (first?.profile) {
      return { ...base, effective: { source: "profile", profileId: first.profileId, type: first.profile.type, secret: maskSecret(profileSecret(first.profile)) } };
    }
    const unusable = order.profiles.map((p) => ({
      profileId: p.profileId,
      reason: p.reason ?? "cooldown",
      until: p.until,
      remainingMs: p.until === null ? null : Math.max(0, p.until - now),
      ...(p.model ? { model: p.model } : {}),
    }));
    return { ...base, effective: { source: "unavailable" }, message: allUnusableMessage(provider, unusable, now) };
  }
  const credential = envCredential(provider, env);
  if (credential && name) return { ...base, effective: { source: "env", envVar: name, type: "env", secret: maskSecret(credential.secret) } };
  const message = order.profiles.length ? noCredentialsForProfileMessage(order.profiles[0].profileId, agentId) : noApiKeyMessage(provider, agentId);
  return { ...base, effective: { source: "missing" }, message };
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
  const remaining = (until: number | null) => (until === null ? null : Math.max(0, until - now));
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
