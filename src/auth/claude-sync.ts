import fs from "node:fs";
import { readAuthStore, updateAuthStore } from "./store.js";
import type { AuthProfile } from "./types.js";

/**
 * Claude Code credential sync: the Claude Code CLI login in
 * `$CLAUDE_CONFIG_DIR/.credentials.json` (or `~/.claude/.credentials.json`) becomes the profile
 * `anthropic:claude-cli` of the agent store — `oauth` when it has a refresh token, else `token`.
 * An existing profile is only replaced by a fresher credential (later expiry), and an oauth
 * profile is never downgraded to a token.
 */

export const CLAUDE_CLI_PROFILE_ID = "anthropic:claude-cli";

export interface ClaudeCredential {
  accessToken: string;
  refreshToken?: string;
  /** ms since epoch */
  expiresAt: number;
}

export type ClaudeCredentialRead =
  | { status: "absent" }
  | { status: "invalid"; problem: string }
  | { status: "found"; credential: ClaudeCredential };

export async function readClaudeCredentials(file: string): Promise<ClaudeCredentialRead> {
  let source: string;
  try {
    source = await fs.promises.readFile(file, "utf8");
  } catch (err: any) {
    if (err?.code === "ENOENT" || err?.code === "ENOTDIR") return { status: "absent" };
    return { status: "invalid", problem: `cannot read ${file} (${err?.code ?? err})` };
  }
  let parsed: any;
  try {
    parsed = JSON.parse(source);
  } catch {
    return { status: "invalid", problem: `${file} is not valid JSON` };
  }
  const oauth = parsed?.claudeAiOauth;
  if (!oauth || typeof oauth !== "object") return { status: "invalid", problem: `${file} has no claudeAiOauth entry` };
  const { accessToken, refreshToken, expiresAt } = oauth;
  if (typeof accessToken !== "string" || !accessToken.trim()) return { status: "invalid", problem: `${file} has no claudeAiOauth.accessToken` };
  const expires = typeof expiresAt === "string" ? Number(expiresAt) : expiresAt;
  if (typeof expires !== "number" || !Number.isFinite(expires)) return { status: "invalid", problem: `${file} has no numeric claudeAiOauth.expiresAt` };
  return {
    status: "found",
    credential: { accessToken, refreshToken: typeof refreshToken === "string" && refreshToken ? refreshToken : undefined, expiresAt: expires },
  };
}

/** The profile Claude Code's credential makes. */
export function profileFromClaude(credential: ClaudeCredential): AuthProfile {
  return credential.refreshToken
    ? { type: "oauth", provider: "anthropic", access: credential.accessToken, refresh: credential.refreshToken, expires: credential.expiresAt }
    : { type: "token", provider: "anthropic", token: credential.accessToken, expires: credential.expiresAt };
}

/**
 * What to store for `anthropic:claude-cli` given the existing profile, or undefined to keep it.
 * Pure. A static token with no known expiry, or an API key under that id, was put there by the
 * user on purpose and is kept.
 */
export function mergeClaudeCredential(existing: AuthProfile | undefined, credential: ClaudeCredential): AuthProfile | undefined {
  const incoming = profileFromClaude(credential);
  if (!existing) return incoming;
  if (existing.type === "api_key") return undefined;
  if (existing.type === "oauth" && incoming.type === "token") return undefined;
  const existingExpiry = existing.expires ?? Number.POSITIVE_INFINITY;
  if (credential.expiresAt <= existingExpiry) return undefined;
  // keep extra fields (email, ...) the existing profile carried
  const { access: _a, refresh: _r, token: _t, expires: _e, type: _type, ...rest } = existing as AuthProfile & Record<string, unknown>;
  return { ...rest, ...incoming } as AuthProfile;
}

export interface ClaudeSyncResult {
  status: "absent" | "invalid" | "unchanged" | "created" | "updated";
  profileId: string;
  problem?: string;
  type?: "oauth" | "token";
  expires?: number;
}

/**
 * Syncs Claude Code's credential into the store at `storePath`. Reads without the lock first and
 * takes the lock only when something would change (then decides again on the fresh store).
 */
export async function syncClaudeCredentials(storePath: string, credentialsPath: string): Promise<ClaudeSyncResult> {
  const read = await readClaudeCredentials(credentialsPath);
  if (read.status === "absent") return { status: "absent", profileId: CLAUDE_CLI_PROFILE_ID };
  if (read.status === "invalid") return { status: "invalid", profileId: CLAUDE_CLI_PROFILE_ID, problem: read.problem };
  const { credential } = read;
  const type = credential.refreshToken ? "oauth" : "token";
  const peek = await readAuthStore(storePath);
  if (!mergeClaudeCredential(peek.profiles[CLAUDE_CLI_PROFILE_ID], credential)) {
    return { status: "unchanged", profileId: CLAUDE_CLI_PROFILE_ID, type, expires: credential.expiresAt };
  }
  const status = await updateAuthStore(storePath, (store) => {
    const existing = store.profiles[CLAUDE_CLI_PROFILE_ID];
    const merged = mergeClaudeCredential(existing, credential);
    if (!merged) return "unchanged" as const;
    store.profiles[CLAUDE_CLI_PROFILE_ID] = merged;
    return existing ? ("updated" as const) : ("created" as const);
  });
  return { status, profileId: CLAUDE_CLI_PROFILE_ID, type, expires: credential.expiresAt };
}
