import type { BatonConfig } from "../config/schema.js";
import { envCredential } from "./env-keys.js";
import { allUnusableMessage, expiredTokenMessage, noApiKeyMessage, noCredentialsForProfileMessage } from "./messages.js";
import { isExpiredStatic, kindOfReason, profileAvailability, type ExtraBlock, profileSecret, resolveProfileOrder, unusableEntry, type OrderedProfile } from "./order.js";
import type { AuthProfile, AuthStoreData, ResolvedCredential, UnusableProfile } from "./types.js";

/**
 * Which credential a call should use, or why none can answer. Pure: decides over a snapshot of
 * the store (profiles, order, usage stats), the config, the environment and the clock; the
 * resolver does the I/O around it (reading the snapshot, refreshing OAuth tokens).
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
  /** What to tell the user (the troubleshooting text of messages.ts). */
  message: string;
  /** When the soonest unusable profile frees up (ms since epoch). */
  soonestAt?: number;
  unusable: UnusableProfile[];
}

export interface SelectionInput {
  request: CredentialRequest;
  /** Profiles, order and usage stats as this process should decide on them (environment credentials' stats included). */
  store: AuthStoreData;
  auth: BatonConfig["auth"];
  env: Readonly<Record<string, string | undefined>>;
  agentId: string;
  now: number;
  /** Blocks outside the usage stats (rate-limit headroom, budgets); pins ignore them like cooldowns. */
  extraBlock?: ExtraBlock;
  /** Profiles whose OAuth refresh failed during this request, with what to tell the user: passed over. */
  refreshFailures?: ReadonlyMap<string, string>;
}

export type Selection =
  /** A stored profile; `pinned` when the session chose it. An OAuth profile may need a refresh before use. */
  | { kind: "profile"; profileId: string; profile: AuthProfile; pinned: boolean }
  /** The provider's environment variable (no profile stored, or pinned as `env:<NAME>`). */
  | { kind: "env"; credential: ResolvedCredential }
  | { kind: "none"; unavailable: CredentialUnavailable };

export function selectCredential(input: SelectionInput): Selection {
  const { request, store, auth, now } = input;
  if (request.pinnedProfileId) return selectPinned(input, request.pinnedProfileId);
  const order = resolveProfileOrder({ provider: request.provider, store, auth, now, model: request.model, extraBlock: input.extraBlock });
  if (!order.profiles.some((entry) => entry.profile)) return selectEnv(input, order.profiles);

  const unusable: UnusableProfile[] = [];
  for (const entry of order.profiles) {
    if (request.exclude?.has(entry.profileId)) {
      // tried in this turn: say why it failed, even when it has no cooldown
      const last = store.usageStats[entry.profileId]?.lastFailure?.failureClass;
      unusable.push(unusableEntry(entry.usable ? { ...entry, reason: last ?? "timeout" } : entry, now));
      continue;
    }
    if (!entry.usable || !entry.profile || input.refreshFailures?.has(entry.profileId)) {
      unusable.push(unusableEntry(entry, now));
      continue;
    }
    return { kind: "profile", profileId: entry.profileId, profile: entry.profile, pinned: false };
  }
  const soonest = unusable.map((u) => u.until).filter((until): until is number => until !== null && until > now);
  const message = [...(input.refreshFailures?.values() ?? []), allUnusableMessage(request.provider, unusable, now)].join(" ");
  return none({ reason: "all_unusable", message, ...(soonest.length ? { soonestAt: Math.min(...soonest) } : {}), unusable });
}

/** A pin is an explicit choice: used even in cooldown (a probe), refused only when it cannot work at all. */
function selectPinned(input: SelectionInput, profileId: string): Selection {
  const { request, store, env, now } = input;
  if (profileId.startsWith("env:")) {
    const credential = envCredential(request.provider, env);
    if (credential?.profileId === profileId) return { kind: "env", credential };
    return none({ reason: "pin_missing", message: noCredentialsForProfileMessage(profileId), unusable: [] });
  }
  const profile = store.profiles[profileId];
  if (!profile || !profileSecret(profile)?.trim()) return none({ reason: "pin_missing", message: noCredentialsForProfileMessage(profileId), unusable: [] });
  if (profile.provider !== request.provider) {
    return { kind: "none", unavailable: pinUnusable(profileId, `Profile ${profileId} is a ${profile.provider} credential; the model ${request.model} needs ${request.provider}.`, "missing_secret") };
  }
  if (isExpiredStatic(profile, now)) return { kind: "none", unavailable: pinUnusable(profileId, expiredTokenMessage(profileId), "expired") };
  return { kind: "profile", profileId, profile, pinned: true };
}

/** No stored profile of the provider: its environment variable, if set and not cooling down. */
function selectEnv(input: SelectionInput, listed: OrderedProfile[]): Selection {
  const { request, store, env, now, agentId } = input;
  const credential = envCredential(request.provider, env);
  if (!credential) {
    const message = listed.length ? noCredentialsForProfileMessage(listed[0].profileId, agentId) : noApiKeyMessage(request.provider, agentId);
    return none({ reason: "missing", message, unusable: listed.map((entry) => unusableEntry(entry, now)) });
  }
  const availability = profileAvailability(
    { type: "api_key", provider: request.provider, key: credential.secret },
    store.usageStats[credential.profileId],
    now,
    request.model,
    input.extraBlock?.(credential.profileId, request.model),
  );
  if (availability.usable && !request.exclude?.has(credential.profileId)) return { kind: "env", credential };
  const unusable = [unusableEntry({ profileId: credential.profileId, ...availability }, now)];
  return none({ reason: "all_unusable", message: allUnusableMessage(request.provider, unusable, now), soonestAt: availability.until ?? undefined, unusable });
}

/** The answer for a pinned profile that cannot be used (wrong provider, expired, refresh failed). */
export function pinUnusable(profileId: string, message: string, reason: UnusableProfile["reason"]): CredentialUnavailable {
  return { unavailable: true, reason: "pin_unusable", message, unusable: [{ profileId, kind: reason === "auth" ? "rejected" : kindOfReason(reason), reason, until: null, remainingMs: null }] };
}

/** The credential a stored profile hands to the provider client. */
export function credentialOf(profileId: string, profile: AuthProfile): ResolvedCredential {
  return { profileId, provider: profile.provider, kind: profile.type === "api_key" ? "apiKey" : "authToken", secret: profileSecret(profile), source: "profile" };
}

function none(unavailable: Omit<CredentialUnavailable, "unavailable">): Selection {
  return { kind: "none", unavailable: { unavailable: true, ...unavailable } };
}
