import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mergeClaudeCredential, syncClaudeCredentials, type ClaudeCredential } from "./claude-sync.js";
import { readAuthStore, updateAuthStore } from "./store.js";
import type { AuthProfile } from "./types.js";

const T = 1_800_000_000_000;
const oauth = (expires: number, extra: object = {}): AuthProfile => ({ type: "oauth", provider: "anthropic", access: `acc-${expires}`, refresh: "ref", expires, ...extra });
const token = (expires?: number): AuthProfile => ({ type: "token", provider: "anthropic", token: `tok-${expires}`, ...(expires ? { expires } : {}) });
const cred = (expiresAt: number, refreshToken?: string): ClaudeCredential => ({ accessToken: `new-${expiresAt}`, refreshToken, expiresAt });

describe("mergeClaudeCredential", () => {
  const cases: { name: string; existing: AuthProfile | undefined; credential: ClaudeCredential; result: object | undefined }[] = [
    { name: "creates oauth when there is a refresh token", existing: undefined, credential: cred(T, "r"), result: { type: "oauth", access: `new-${T}`, refresh: "r", expires: T } },
    { name: "creates token when there is none", existing: undefined, credential: cred(T), result: { type: "token", token: `new-${T}`, expires: T } },
    { name: "replaces oauth with fresher oauth", existing: oauth(T), credential: cred(T + 1, "r2"), result: { type: "oauth", access: `new-${T + 1}`, refresh: "r2" } },
    { name: "keeps oauth when the credential is older", existing: oauth(T), credential: cred(T - 1, "r2"), result: undefined },
    { name: "keeps oauth when the credential is as old", existing: oauth(T), credential: cred(T, "r2"), result: undefined },
    { name: "never downgrades oauth to token, even when fresher", existing: oauth(T), credential: cred(T + 10_000), result: undefined },
    { name: "upgrades a token to fresher oauth", existing: token(T), credential: cred(T + 1, "r"), result: { type: "oauth", expires: T + 1 } },
    { name: "replaces a token with a fresher token", existing: token(T), credential: cred(T + 1), result: { type: "token", expires: T + 1 } },
    { name: "keeps a token without known expiry (put there on purpose)", existing: token(), credential: cred(T + 1, "r"), result: undefined },
    { name: "keeps an API key stored under the id", existing: { type: "api_key", provider: "anthropic", key: "k" }, credential: cred(T + 1, "r"), result: undefined },
    { name: "keeps extra fields of the replaced profile", existing: oauth(T, { email: "me@example.com" }), credential: cred(T + 1, "r"), result: { email: "me@example.com", expires: T + 1 } },
  ];
  it.each(cases)("$name", ({ existing, credential, result }) => {
    const merged = mergeClaudeCredential(existing, credential);
    if (result === undefined) expect(merged).toBeUndefined();
    else expect(merged).toMatchObject({ provider: "anthropic", ...result });
  });
});

describe("syncClaudeCredentials", () => {
  let dir: string;
  let storePath: string;
  let credsPath: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-claude-"));
    storePath = path.join(dir, "state", "agents", "main", "agent", "auth-profiles.json");
    credsPath = path.join(dir, ".claude", ".credentials.json");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const writeCreds = (value: unknown) => {
    fs.mkdirSync(path.dirname(credsPath), { recursive: true });
    fs.writeFileSync(credsPath, typeof value === "string" ? value : JSON.stringify(value));
  };

  it("does nothing (and creates nothing) without Claude Code credentials", async () => {
    expect(await syncClaudeCredentials(storePath, credsPath)).toMatchObject({ status: "absent" });
    expect(fs.existsSync(storePath)).toBe(false);
  });

  it.each([
    ["not JSON", "{oops", /not valid JSON/],
    ["no claudeAiOauth", { other: 1 }, /no claudeAiOauth/],
    ["no access token", { claudeAiOauth: { expiresAt: T } }, /accessToken/],
    ["no expiry", { claudeAiOauth: { accessToken: "a" } }, /expiresAt/],
  ])("reports an unusable credentials file (%s) without touching the store", async (_name, content, problem) => {
    writeCreds(content);
    const result = await syncClaudeCredentials(storePath, credsPath);
    expect(result.status).toBe("invalid");
    expect(result.problem).toMatch(problem);
    expect(fs.existsSync(storePath)).toBe(false);
  });

  it("creates anthropic:claude-cli, then leaves it alone until Claude Code has a fresher credential", async () => {
    writeCreds({ claudeAiOauth: { accessToken: "sk-ant-oat01-one", refreshToken: "sk-ant-ort01-one", expiresAt: T, scopes: ["user:inference"] } });
    expect(await syncClaudeCredentials(storePath, credsPath)).toMatchObject({ status: "created", type: "oauth" });
    expect((await readAuthStore(storePath)).profiles["anthropic:claude-cli"]).toEqual({
      type: "oauth",
      provider: "anthropic",
      access: "sk-ant-oat01-one",
      refresh: "sk-ant-ort01-one",
      expires: T,
    });
    const mtime = fs.statSync(storePath).mtimeMs;
    expect(await syncClaudeCredentials(storePath, credsPath)).toMatchObject({ status: "unchanged" });
    expect(fs.statSync(storePath).mtimeMs).toBe(mtime);

    writeCreds({ claudeAiOauth: { accessToken: "sk-ant-oat01-two", refreshToken: "sk-ant-ort01-two", expiresAt: T + 1000 } });
    expect(await syncClaudeCredentials(storePath, credsPath)).toMatchObject({ status: "updated" });
    expect((await readAuthStore(storePath)).profiles["anthropic:claude-cli"]).toMatchObject({ access: "sk-ant-oat01-two", expires: T + 1000 });
  });

  it("keeps the other profiles and stats of the store", async () => {
    await updateAuthStore(storePath, (store) => {
      store.profiles["anthropic:default"] = { type: "api_key", provider: "anthropic", key: "sk-ant-api03-x" };
      store.order.anthropic = ["anthropic:default"];
    });
    writeCreds({ claudeAiOauth: { accessToken: "sk-ant-oat01-one", expiresAt: T } });
    expect(await syncClaudeCredentials(storePath, credsPath)).toMatchObject({ status: "created", type: "token" });
    const store = await readAuthStore(storePath);
    expect(Object.keys(store.profiles).sort()).toEqual(["anthropic:claude-cli", "anthropic:default"]);
    expect(store.order).toEqual({ anthropic: ["anthropic:default"] });
  });
});
