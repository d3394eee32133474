import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeOAuthServer, type FakeOAuthServer } from "../../test/fakes/oauth/index.js";
import { DEFAULT_OAUTH_CLIENT_ID, needsRefresh, OAuthRefreshError, refreshOAuthProfile } from "./oauth-refresh.js";
import { readAuthStore, updateAuthStore } from "./store.js";
import type { AuthProfile } from "./types.js";

const NOW = 1_800_000_000_000;
const ID = "anthropic:claude-cli";
const REFRESH = `sk-ant-ort01-${"r".repeat(60)}`;

let dir: string;
let storePath: string;
let server: FakeOAuthServer;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-oauth-"));
  storePath = path.join(dir, "auth-profiles.json");
  server = await startFakeOAuthServer();
});
afterEach(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function storeProfile(profile: AuthProfile) {
  await updateAuthStore(storePath, (store) => void (store.profiles[ID] = profile));
}

describe("needsRefresh", () => {
  const oauth = (expires: number, refresh: string | null = "r"): AuthProfile => ({ type: "oauth", provider: "anthropic", access: "a", refresh: refresh ?? undefined, expires });
  it.each([
    ["expired", oauth(NOW - 1), true],
    ["expires within 5 minutes", oauth(NOW + 4 * 60_000), true],
    ["expires in 6 minutes", oauth(NOW + 6 * 60_000), false],
    ["expired but no refresh token", oauth(NOW - 1, null), false],
    ["a static token", { type: "token", provider: "anthropic", token: "t", expires: NOW - 1 } as AuthProfile, false],
  ])("%s", (_name, profile, expected) => expect(needsRefresh(profile as AuthProfile, NOW)).toBe(expected));
});

describe("refreshOAuthProfile", () => {
  it("posts the refresh_token grant as JSON and stores the new tokens", async () => {
    await storeProfile({ type: "oauth", provider: "anthropic", access: "old-access", refresh: REFRESH, expires: NOW - 1000 });
    server.enqueue({ kind: "tokens", accessToken: "sk-ant-oat01-new-access", refreshToken: "sk-ant-ort01-new-refresh", expiresIn: 3600 });
    const refreshed = await refreshOAuthProfile({ storePath, profileId: ID, tokenUrl: server.url, now: () => NOW });
    expect(server.requests).toEqual([{ grant_type: "refresh_token", refresh_token: REFRESH, client_id: DEFAULT_OAUTH_CLIENT_ID, contentType: "application/json" }]);
    expect(refreshed).toEqual({ type: "oauth", provider: "anthropic", access: "sk-ant-oat01-new-access", refresh: "sk-ant-ort01-new-refresh", expires: NOW + 3_600_000 });
    expect((await readAuthStore(storePath)).profiles[ID]).toEqual(refreshed);
  });

  it("keeps the refresh token when the endpoint does not rotate it, and uses the configured client id", async () => {
    await storeProfile({ type: "oauth", provider: "anthropic", access: "old", refresh: REFRESH, expires: NOW });
    server.enqueue({ kind: "tokens", accessToken: "new", expiresIn: 60 });
    const refreshed = await refreshOAuthProfile({ storePath, profileId: ID, tokenUrl: server.url, clientId: "my-client", now: () => NOW });
    expect(refreshed.refresh).toBe(REFRESH);
    expect(server.requests[0].client_id).toBe("my-client");
  });

  it("does not call the endpoint when another process already refreshed the profile", async () => {
    await storeProfile({ type: "oauth", provider: "anthropic", access: "fresh", refresh: REFRESH, expires: NOW + 3_600_000 });
    const profile = await refreshOAuthProfile({ storePath, profileId: ID, tokenUrl: server.url, now: () => NOW });
    expect(profile.access).toBe("fresh");
    expect(server.requests).toHaveLength(0);
  });

  it("refreshes once when several callers race (re-reads under the lock)", async () => {
    await storeProfile({ type: "oauth", provider: "anthropic", access: "old", refresh: REFRESH, expires: NOW - 1 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => refreshOAuthProfile({ storePath, profileId: ID, tokenUrl: server.url, now: () => NOW })),
    );
    expect(server.requests).toHaveLength(1);
    expect(new Set(results.map((r) => r.access)).size).toBe(1);
  });

  it.each([
    ["an OAuth error", { kind: "error", status: 400, error: "invalid_grant", description: "Refresh token revoked" } as const, /HTTP 400 invalid_grant: Refresh token revoked/],
    ["a server error without a body", { kind: "error", status: 500, error: "server_error" } as const, /HTTP 500 server_error/],
    ["a reply without access_token", { kind: "tokens", accessToken: "" } as const, /without an access_token/],
  ])("fails on %s with the seed's advice and leaves the store unchanged", async (_name, reply, reason) => {
    await storeProfile({ type: "oauth", provider: "anthropic", access: "old", refresh: REFRESH, expires: NOW - 1 });
    const before = fs.readFileSync(storePath, "utf8");
    server.enqueue(reply);
    const error = await refreshOAuthProfile({ storePath, profileId: ID, tokenUrl: server.url, now: () => NOW }).catch((err) => err);
    expect(error).toBeInstanceOf(OAuthRefreshError);
    expect(error.failureClass).toBe("auth");
    expect(error.message).toMatch(/^OAuth token refresh failed for anthropic:claude-cli: /);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(
      "Re-run `claude setup-token` and paste it with `baton models auth paste-token --provider anthropic --profile-id anthropic:claude-cli`, or resync Claude Code CLI OAuth on the gateway host.",
    );
    expect(error.message).not.toContain(REFRESH);
    expect(fs.readFileSync(storePath, "utf8")).toBe(before);
  });

  it("fails with the advice when the endpoint cannot be reached", async () => {
    await storeProfile({ type: "oauth", provider: "anthropic", access: "old", refresh: REFRESH, expires: NOW - 1 });
    const url = server.url;
    await server.close();
    const error = await refreshOAuthProfile({ storePath, profileId: ID, tokenUrl: url, now: () => NOW }).catch((err) => err);
    expect(error).toBeInstanceOf(OAuthRefreshError);
    expect(error.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/oauth\/token \(ECONNREFUSED\)/);
    server = await startFakeOAuthServer(); // for afterEach
  });

  it("refuses a profile without a refresh token", async () => {
    await storeProfile({ type: "oauth", provider: "anthropic", access: "old", expires: NOW - 1 });
    await expect(refreshOAuthProfile({ storePath, profileId: ID, tokenUrl: server.url, now: () => NOW })).rejects.toThrow(/no refresh token/);
  });
});
