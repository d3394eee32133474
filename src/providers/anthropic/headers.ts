/**
 * Request headers Baton adds to Anthropic calls: the beta list and the user's extra headers.
 * Pure; the provider decides when to apply them.
 */
import type { ResolvedCredential } from "../../auth/types.js";

/** Needed for `cache_control.ttl: "1h"`. */
export const BETA_EXTENDED_CACHE_TTL = "extended-cache-ttl-2025-04-11";
/** Needed for OAuth access tokens and setup-tokens sent as Bearer tokens. */
export const BETA_OAUTH = "oauth-2025-04-20";

/** Header names that carry credentials; only Baton's auth profiles may set them. */
const CREDENTIAL_HEADERS = new Set(["authorization", "x-api-key"]);

/**
 * Baton's betas for a call. API keys always carry the extended cache TTL beta; tokens carry the
 * OAuth beta, and the extended cache TTL beta only when a 1h TTL is asked for.
 */
export function baseBetas(kind: ResolvedCredential["kind"], cacheTtl: "5m" | "1h" | undefined): string[] {
  if (kind === "apiKey") return [BETA_EXTENDED_CACHE_TTL];
  return cacheTtl === "1h" ? [BETA_OAUTH, BETA_EXTENDED_CACHE_TTL] : [BETA_OAUTH];
}

/** Join beta lists (each a string[] or a comma-separated value), first occurrence wins, no empties. */
export function mergeBetas(...lists: Array<string[] | string | undefined>): string {
  const out: string[] = [];
  for (const list of lists) {
    const items = typeof list === "string" ? list.split(",") : (list ?? []);
    for (const item of items.map((b) => b.trim())) {
      if (item && !out.includes(item)) out.push(item);
    }
  }
  return out.join(",");
}

export interface UserHeaders {
  /** The user's `anthropic-beta` value, added to Baton's list, never replacing it. */
  betas: string | undefined;
  /** Every other header, sent as is. */
  passthrough: Record<string, string>;
  /** Credential headers that were dropped (names only). */
  dropped: string[];
}

/**
 * Split configured headers: `anthropic-beta` is merged with Baton's list; `authorization` and
 * `x-api-key` are dropped because credentials come only from auth profiles; the rest pass through.
 */
export function partitionUserHeaders(headers: Record<string, string> | undefined): UserHeaders {
  const result: UserHeaders = { betas: undefined, passthrough: {}, dropped: [] };
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === "anthropic-beta") result.betas = mergeBetas(result.betas, value);
    else if (CREDENTIAL_HEADERS.has(lower)) result.dropped.push(name);
    else result.passthrough[name] = value;
  }
  return result;
}

/**
 * The SDK adds headers from `ANTHROPIC_CUSTOM_HEADERS` to every request, after its auth header.
 * This returns those header names that carry credentials, mapped to undefined: spread into the
 * client's `defaultHeaders`, they cancel the environment's value so it cannot replace or ride
 * along with the credential Baton chose.
 */
export function cancelEnvCredentialHeaders(customHeadersEnv: string | undefined): Record<string, undefined> {
  const cancelled: Record<string, undefined> = {};
  for (const line of (customHeadersEnv ?? "").split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (CREDENTIAL_HEADERS.has(name.toLowerCase())) cancelled[name] = undefined;
  }
  return cancelled;
}
