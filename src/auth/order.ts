import type { BatonConfig } from "../config/schema.js";
import { redactSecrets } from "../util/redact.js";
import type { AuthProfile, AuthStoreData, ProfileUsageStats, UnusableKind, UnusableProfile, UnusableReason } from "./types.js";

/**
 * Which profiles an agent tries for a provider, in which order, and which of them cannot be used
 * right now. Pure.
 *
 * Where the order comes from, first match wins:
 *   1. the agent store's `order[provider]` (`baton models auth order set`) — exactly those ids;
 *   2. config `auth.order[provider]` — exactly those ids;
 *   3. config `auth.profiles` ids of the provider, then any other stored profile of the provider
 *      (least recently used first), so a profile synced from Claude Code is not silently ignored;
 *   4. every stored profile of the provider, least recently used first.
 * Unusable profiles then move to the end, soonest-available first; ones that need the user
 * (missing secret, expired static token) come last. A rejected profile whose retry time has
 * passed is usable again but goes after the healthy usable ones: it is tried only when they
 * cannot answer, and one success clears the rejection.
 */

export type OrderSource = "store" | "config-order" | "config-profiles" | "stored";

export interface ProfileAvailability {
  usable: boolean;
  /** What keeps it out; derived from `reason` when a block leaves it unset (extra blocks: "budget" -> budget, else cooldown). */
  kind?: UnusableKind;
  reason?: UnusableReason;
  /** When it becomes usable again; null when it will not by itself (or is usable now). */
  until: number | null;
  /** The model a cooldown is scoped to. */
  model?: string;
  /** The provider rejected this credential (class `auth`) and it has not succeeded since. */
  rejected?: boolean;
  /** The provider's last error for the profile, short and masked. */
  lastError?: string;
}

export interface OrderedProfile extends ProfileAvailability {
  profileId: string;
  /** Undefined when the id is listed (order or config) but nothing is stored for it. */
  profile?: AuthProfile;
}

export interface ProfileOrder {
  source: OrderSource;
  profiles: OrderedProfile[];
}

export interface OrderInput {
  provider: string;
  store: AuthStoreData;
  auth?: BatonConfig["auth"];
  now: number;
  /** The model about to be called; model-scoped cooldowns of other models do not count. */
  model?: string;
  /** Blocks known outside the usage stats (provider-reported rate-limit headroom, budgets). */
  extraBlock?: ExtraBlock;
}

/** Why a profile is blocked for `model` by something other than its usage stats, or undefined. */
export type ExtraBlock = (profileId: string, model?: string) => ProfileAvailability | undefined;

export function resolveProfileOrder(input: OrderInput): ProfileOrder {
  const { provider, store, auth, now, model, extraBlock } = input;
  const { source, ids } = candidateIds(provider, store, auth);
  const profiles = ids.map((profileId, index) => {
    const profile = store.profiles[profileId];
    const availability = profileAvailability(profile, store.usageStats[profileId], now, model, extraBlock?.(profileId, model));
    return { index, entry: { profileId, profile, ...availability } };
  });
  profiles.sort((a, b) => rank(a.entry) - rank(b.entry) || a.index - b.index);
  return { source, profiles: profiles.map((p) => p.entry) };
}

/** Usable now: 0 (a rejected one 0.5); frees up by itself: 1 + until (soonest first); needs the user: +Infinity. */
function rank(entry: ProfileAvailability): number {
  if (entry.usable) return entry.rejected ? 0.5 : 0;
  return entry.until === null ? Number.POSITIVE_INFINITY : 1 + entry.until;
}

function candidateIds(provider: string, store: AuthStoreData, auth: BatonConfig["auth"]): { source: OrderSource; ids: string[] } {
  const belongs = (id: string) => {
    const stored = store.profiles[id];
    return stored ? stored.provider === provider : id.startsWith(`${provider}:`);
  };
  const storedOfProvider = leastRecentlyUsedFirst(
    Object.keys(store.profiles).filter((id) => store.profiles[id].provider === provider),
    store,
  );
  const fromStore = store.order[provider];
  if (fromStore?.length) return { source: "store", ids: unique(fromStore.filter(belongs)) };
  const fromConfigOrder = auth?.order?.[provider];
  if (fromConfigOrder?.length) return { source: "config-order", ids: unique(fromConfigOrder.filter(belongs)) };
  const configured = Object.entries(auth?.profiles ?? {})
    .filter(([id, p]) => p.provider === provider && belongs(id))
    .map(([id]) => id);
  if (configured.length) return { source: "config-profiles", ids: unique([...configured, ...storedOfProvider]) };
  return { source: "stored", ids: storedOfProvider };
}

function leastRecentlyUsedFirst(ids: string[], store: AuthStoreData): string[] {
  const lastUsed = (id: string) => store.usageStats[id]?.lastUsed ?? 0;
  return [...ids].sort((a, b) => lastUsed(a) - lastUsed(b) || a.localeCompare(b));
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

/** The secret a profile carries (api key, token, or OAuth access token). */
export function profileSecret(profile: AuthProfile): string {
  switch (profile.type) {
    case "api_key":
      return profile.key;
    case "token":
      return profile.token;
    case "oauth":
      return profile.access;
  }
}

/** True when the profile's credential is past its expiry and Baton cannot renew it. */
export function isExpiredStatic(profile: AuthProfile, now: number): boolean {
  if (profile.type === "token") return profile.expires !== undefined && profile.expires <= now;
  if (profile.type === "oauth") return !profile.refresh && profile.expires <= now;
  return false;
}

/** Milliseconds left until `until` (0 once it has passed); null when it does not free up by itself. */
export function remainingMs(until: number | null, now: number): number | null {
  return until === null ? null : Math.max(0, until - now);
}

/** The kind of a block that names only its reason (extra blocks: rate-limit headroom, budgets). */
export function kindOfReason(reason: UnusableReason | undefined): UnusableKind {
  switch (reason) {
    case "budget":
      return "budget";
    case "expired":
      return "expired";
    case "missing_secret":
      return "missing";
    case "billing":
      return "disabled";
    default:
      return "cooldown";
  }
}

/** A profile that cannot be used now, as users and `models status --json` see it. */
export function unusableEntry(entry: ProfileAvailability & { profileId: string }, now: number): UnusableProfile {
  const reason = entry.reason ?? (entry.rejected ? "auth" : "timeout");
  return {
    profileId: entry.profileId,
    kind: entry.kind ?? (entry.rejected && reason === "auth" ? "rejected" : kindOfReason(reason)),
    reason,
    until: entry.until,
    remainingMs: remainingMs(entry.until, now),
    ...(entry.model ? { model: entry.model } : {}),
    ...(entry.lastError ? { lastError: entry.lastError } : {}),
  };
}

/**
 * Rejected: the provider refused the credential (class `auth`, counted in `failureCounts`) and
 * no call has succeeded since. A success, `models auth cooldown clear` and storing a new secret
 * for the profile (which drops its stats) each end it.
 */
export function isRejected(stats: ProfileUsageStats | undefined): boolean {
  return (stats?.failureCounts?.auth ?? 0) > 0;
}

const MAX_LAST_ERROR = 160;

/** A stored provider message as `lastError`: masked, on one line, `Anthropic API error 401 x: y` shortened to `401 x: y`. */
export function shortError(message: string | undefined): string | undefined {
  if (!message?.trim()) return undefined;
  const text = redactSecrets(message)
    .replace(/\s+/g, " ")
    .replace(/^.{0,40}?API error (?=\d{3}\b)/, "")
    .trim();
  return text.length > MAX_LAST_ERROR ? `${text.slice(0, MAX_LAST_ERROR - 1)}…` : text;
}

/**
 * Everything that keeps a profile out now, each with its kind, reason and end: whole-profile
 * blocks, plus the cooldown scoped to `model` (every model's with `"*"`). Empty when it is usable.
 */
export function profileBlocks(
  profile: AuthProfile | undefined,
  stats: ProfileUsageStats | undefined,
  now: number,
  model?: string,
  extra?: ProfileAvailability,
): ProfileAvailability[] {
  if (!profile || !profileSecret(profile)?.trim()) return [{ usable: false, kind: "missing", reason: "missing_secret", until: null }];
  if (isExpiredStatic(profile, now)) return [{ usable: false, kind: "expired", reason: "expired", until: null }];
  const rejected = isRejected(stats);
  const lastError = shortError(stats?.lastFailure?.message);
  const detail = { ...(rejected ? { rejected } : {}), ...(lastError ? { lastError } : {}) };
  const blocks: ProfileAvailability[] = [];
  if (extra && !extra.usable) blocks.push({ ...extra, kind: extra.kind ?? kindOfReason(extra.reason), reason: extra.reason ?? "rate_limit", ...detail });
  if (stats) {
    if (stats.disabledUntil > now) blocks.push({ usable: false, kind: "disabled", reason: stats.disabledReason ?? "billing", until: stats.disabledUntil, ...detail });
    if (stats.cooldownUntil > now) {
      const reason = rejected ? "auth" : (stats.lastFailure?.failureClass ?? "auth");
      blocks.push({ usable: false, kind: rejected ? "rejected" : "cooldown", reason, until: stats.cooldownUntil, ...detail });
    }
    const scoped = Object.entries(stats.modelCooldowns ?? {}).filter(([m, c]) => c.until > now && (model === "*" || m === model));
    for (const [m, c] of scoped) blocks.push({ usable: false, kind: "cooldown", reason: c.reason, until: c.until, model: m, ...detail });
  }
  return blocks;
}

/** Whether one profile can be used now (for `model`, when given), and if not why and until when. */
export function profileAvailability(
  profile: AuthProfile | undefined,
  stats: ProfileUsageStats | undefined,
  now: number,
  model?: string,
  extra?: ProfileAvailability,
): ProfileAvailability {
  const blocks = profileBlocks(profile, stats, now, model, extra);
  if (!blocks.length) {
    if (!isRejected(stats)) return { usable: true, until: null };
    const lastError = shortError(stats?.lastFailure?.message);
    return { usable: true, until: null, rejected: true, ...(lastError ? { lastError } : {}) };
  }
  return blocks.reduce((latest, block) => ((block.until ?? 0) > (latest.until ?? 0) ? block : latest));
}
