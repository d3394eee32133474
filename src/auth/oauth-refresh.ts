import { oauthRefreshFailedMessage } from "./messages.js";
import { redactSecrets } from "../util/redact.js";
import { updateAuthStore } from "./store.js";
import type { AuthProfile, OAuthProfile } from "./types.js";

/**
 * Refreshes OAuth profiles (type `oauth` with a refresh token) that are expired or about to be.
 * The refresh runs under the store lock on a freshly read store, so when several processes race
 * only the first calls the token endpoint and the others pick up its result. With a shared state
 * backend (Redis) it also runs under that backend's lock ({@link RefreshLock}), so gateways
 * single-flight the refresh even where the file lock does not reach; the tokens themselves stay
 * in the auth store file.
 */

/** Runs a refresh of `profileId` under a lock shared by every gateway (from the state backend). */
export type RefreshLock = <T>(profileId: string, work: () => Promise<T>) => Promise<T>;

export const DEFAULT_OAUTH_TOKEN_URL = "https://console.anthropic.com/v1/oauth/token";
/** The public OAuth client id of the Claude Code CLI, whose refresh tokens Baton reuses. */
export const DEFAULT_OAUTH_CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
/** Refresh when the access token expires within this margin. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 15_000;
/** When the endpoint omits `expires_in`, assume an hour. */
const DEFAULT_EXPIRES_IN_S = 3_600;

/** True for a refreshable profile that is expired or expires within {@link REFRESH_MARGIN_MS}. */
export function needsRefresh(profile: AuthProfile, now: number): profile is OAuthProfile {
  return profile.type === "oauth" && !!profile.refresh && profile.expires - now < REFRESH_MARGIN_MS;
}

/** A refresh that failed: an `auth` failure of the profile; `message` carries the advice of messages.ts. */
export class OAuthRefreshError extends Error {
  readonly failureClass = "auth" as const;
  constructor(
    readonly profileId: string,
    readonly reason: string,
  ) {
    super(oauthRefreshFailedMessage(profileId, reason));
    this.name = "OAuthRefreshError";
  }
}

export interface OAuthRefreshOptions {
  storePath: string;
  profileId: string;
  /** Config `auth.oauth.tokenUrl`. */
  tokenUrl?: string;
  /** Config `auth.oauth.clientId`. */
  clientId?: string;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
  /** Taken around the file-locked refresh when gateways share a state backend; waiters then re-read the store. */
  lock?: RefreshLock;
}

/**
 * Returns the profile with a valid access token: refreshed and stored when it needed it, as
 * stored when another process refreshed it meanwhile. Throws {@link OAuthRefreshError}.
 */
export async function refreshOAuthProfile(options: OAuthRefreshOptions): Promise<OAuthProfile> {
  return options.lock ? options.lock(options.profileId, () => refreshInStore(options)) : refreshInStore(options);
}

async function refreshInStore(options: OAuthRefreshOptions): Promise<OAuthProfile> {
  const { storePath, profileId } = options;
  const now = options.now ?? Date.now;
  return updateAuthStore(storePath, async (store) => {
    const profile = store.profiles[profileId];
    if (!profile || profile.type !== "oauth") throw new OAuthRefreshError(profileId, "the profile is not an OAuth profile any more");
    if (!profile.refresh) throw new OAuthRefreshError(profileId, "the profile has no refresh token");
    if (!needsRefresh(profile, now())) return profile;
    const tokens = await requestTokens(options, profile.refresh);
    const refreshed: OAuthProfile = {
      ...profile,
      access: tokens.accessToken,
      refresh: tokens.refreshToken ?? profile.refresh,
      expires: now() + tokens.expiresInS * 1000,
    };
    store.profiles[profileId] = refreshed;
    return refreshed;
  });
}

interface TokenResponse {
  accessToken: string;
  refreshToken?: string;
  expiresInS: number;
}

async function requestTokens(options: OAuthRefreshOptions, refreshToken: string): Promise<TokenResponse> {
  const url = options.tokenUrl ?? DEFAULT_OAUTH_TOKEN_URL;
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: options.clientId ?? DEFAULT_OAUTH_CLIENT_ID }),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err: any) {
    const cause = err?.cause?.code ?? err?.code ?? err?.name ?? "network error";
    throw new OAuthRefreshError(options.profileId, `cannot reach ${url} (${cause})`);
  }
  const text = await response.text().catch(() => "");
  let body: any;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const detail = [body?.error, body?.error_description].filter((v) => typeof v === "string").join(": ");
    throw new OAuthRefreshError(options.profileId, `HTTP ${response.status}${detail ? ` ${redactSecrets(detail)}` : ""}`);
  }
  if (!body || typeof body.access_token !== "string" || !body.access_token) {
    throw new OAuthRefreshError(options.profileId, "the token endpoint answered without an access_token");
  }
  const expiresIn = Number(body.expires_in);
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === "string" && body.refresh_token ? body.refresh_token : undefined,
    expiresInS: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN_S,
  };
}
