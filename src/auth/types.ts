/** Shared auth types. The store format is DESIGN.md §4. */

export type ProfileType = "api_key" | "token" | "oauth";

export interface ApiKeyProfile {
  type: "api_key";
  provider: string;
  key: string;
  email?: string;
}

export interface TokenProfile {
  type: "token";
  provider: string;
  token: string;
  /** ms since epoch; absent = no known expiry */
  expires?: number;
  email?: string;
}

export interface OAuthProfile {
  type: "oauth";
  provider: string;
  access: string;
  refresh?: string;
  /** ms since epoch */
  expires: number;
  email?: string;
}

export type AuthProfile = ApiKeyProfile | TokenProfile | OAuthProfile;

export interface ProfileUsageStats {
  lastUsed: number;
  errorCount: number;
  failureCounts: Partial<Record<FailureClass, number>>;
  /** last failure time, for the failure window */
  lastFailureAt?: number;
  cooldownUntil: number;
  disabledUntil: number;
  disabledReason: FailureClass | null;
  /** per-model cooldowns (rate_limit, overloaded, timeout): model -> { until, count, reason } */
  modelCooldowns: Record<string, ModelCooldown>;
  /** the most recent failure, for `doctor` advice (message redacted) */
  lastFailure?: { failureClass: FailureClass; model?: string; at: number; message?: string };
}

export interface ModelCooldown {
  until: number;
  count: number;
  reason: FailureClass;
  lastFailureAt: number;
}

export interface AuthStoreData {
  version: 1;
  profiles: Record<string, AuthProfile>;
  order: Record<string, string[]>;
  usageStats: Record<string, ProfileUsageStats>;
}

/** DESIGN.md §4 failure classes. */
export type FailureClass = "auth" | "rate_limit" | "overloaded" | "billing" | "timeout" | "request";

/** What the provider reports about a failed call, input to classification. */
export interface FailureInfo {
  status?: number;
  /** Anthropic `error.type`, e.g. "rate_limit_error" */
  errorType?: string;
  message?: string;
  /** Node/undici error code: ETIMEDOUT, ECONNRESET, ... */
  code?: string;
  /** retry-after in ms, when the response said */
  retryAfterMs?: number;
}

/** A credential ready to hand to a provider client. */
export interface ResolvedCredential {
  profileId: string;
  provider: string;
  /** api_key -> apiKey; token/oauth -> authToken (Bearer) */
  kind: "apiKey" | "authToken";
  secret: string;
  /** "profile" (from the store) or "env" (ANTHROPIC_API_KEY etc. with no store profile) */
  source: "profile" | "env";
}

/** Why a profile cannot be used right now. */
export type UnusableReason = "cooldown" | "disabled" | "expired" | "missing_secret" | "rate_limit" | "overloaded" | "timeout";

export interface UnusableProfile {
  profileId: string;
  reason: UnusableReason | FailureClass;
  until: number | null;
  remainingMs: number | null;
  model?: string;
}
