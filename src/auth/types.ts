import type * as z from "zod/mini";
import type * as schema from "./store-schema.js";

/** Shared auth types. The stored shapes are inferred from the store's zod schema (`store-schema.ts`). */

export type AuthProfile = z.output<typeof schema.AuthProfileSchema>;
export type ApiKeyProfile = z.output<typeof schema.ApiKeyProfileSchema>;
export type TokenProfile = z.output<typeof schema.TokenProfileSchema>;
export type OAuthProfile = z.output<typeof schema.OAuthProfileSchema>;
export type ProfileType = AuthProfile["type"];
export type ProfileUsageStats = z.output<typeof schema.ProfileUsageStatsSchema>;
export type ModelCooldown = z.output<typeof schema.ModelCooldownSchema>;
export type AuthStoreData = z.output<typeof schema.AuthStoreSchema>;
/** How a failed call is classed; docs/OPERATIONS.md says what each does. */
export type FailureClass = z.output<typeof schema.FailureClassSchema>;

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

/**
 * What kind of trouble keeps a profile out (DESIGN §9): a temporary `cooldown` (rate limit,
 * overload, timeout, header-reported exhaustion), `disabled` (billing), `expired` (a static
 * token past its expiry), `rejected` (the provider refused the credential and it has not
 * succeeded since), `budget` (over its spending limit), `missing` (no secret stored).
 */
export type UnusableKind = "cooldown" | "disabled" | "expired" | "rejected" | "budget" | "missing";

/** Why, as the failure class that caused it, or `expired` / `budget` / `missing_secret`. */
export type UnusableReason = FailureClass | "expired" | "budget" | "missing_secret";

export interface UnusableProfile {
  profileId: string;
  kind: UnusableKind;
  reason: UnusableReason;
  /** When it is tried again by itself; null when it needs the user (or the retry time has passed for a rejected one). */
  until: number | null;
  remainingMs: number | null;
  /** The model a cooldown is scoped to. */
  model?: string;
  /** The provider's last error for this profile, short and masked. */
  lastError?: string;
}
