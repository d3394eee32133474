import * as z from "zod/mini";

/**
 * The shape of `auth-profiles.json`: the one definition both
 * validation (`store.ts`) and the TypeScript types (`types.ts`) come from. Objects are loose:
 * fields written by a newer Baton survive a read-modify-write by this one.
 */

export const FailureClassSchema = z.enum(["auth", "rate_limit", "overloaded", "billing", "timeout", "request"]);

const epochMs = z.number();
const count = () => z.number().check(z.int(), z.nonnegative());
const provider = z.string().check(z.minLength(1));

export const ApiKeyProfileSchema = z.looseObject({ type: z.literal("api_key"), provider, key: z.string(), email: z.optional(z.string()) });

export const TokenProfileSchema = z.looseObject({
  type: z.literal("token"),
  provider,
  token: z.string(),
  /** ms since epoch; absent = no known expiry */
  expires: z.optional(epochMs),
  email: z.optional(z.string()),
});

export const OAuthProfileSchema = z.looseObject({
  type: z.literal("oauth"),
  provider,
  access: z.string(),
  refresh: z.optional(z.string()),
  /** ms since epoch */
  expires: epochMs,
  email: z.optional(z.string()),
});

export const AuthProfileSchema = z.discriminatedUnion("type", [ApiKeyProfileSchema, TokenProfileSchema, OAuthProfileSchema]);

/** A (profile, model) cooldown after rate_limit, overloaded or timeout. */
export const ModelCooldownSchema = z.looseObject({
  until: z._default(epochMs, 0),
  count: z._default(count(), 0),
  reason: FailureClassSchema,
  lastFailureAt: z._default(epochMs, 0),
});

export const ProfileUsageStatsSchema = z.looseObject({
  lastUsed: z._default(epochMs, 0),
  errorCount: z._default(count(), 0),
  failureCounts: z._default(z.partialRecord(FailureClassSchema, count()), {}),
  /** last failure time, for the failure window */
  lastFailureAt: z.optional(epochMs),
  cooldownUntil: z._default(epochMs, 0),
  disabledUntil: z._default(epochMs, 0),
  disabledReason: z._default(z.nullable(FailureClassSchema), null),
  /** model -> its cooldown */
  modelCooldowns: z._default(z.record(z.string(), ModelCooldownSchema), {}),
  /** the most recent failure, for `doctor` advice (message redacted) */
  lastFailure: z.optional(z.looseObject({ failureClass: FailureClassSchema, model: z.optional(z.string()), at: epochMs, message: z.optional(z.string()) })),
});

export const AuthStoreSchema = z.looseObject({
  version: z.literal(1),
  profiles: z._default(z.record(z.string(), AuthProfileSchema), {}),
  order: z._default(z.record(z.string(), z.array(z.string())), {}),
  usageStats: z._default(z.record(z.string(), ProfileUsageStatsSchema), {}),
});
