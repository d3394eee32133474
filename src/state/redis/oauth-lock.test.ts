import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeOAuthServer, type FakeOAuthServer } from "../../../test/fakes/oauth/index.js";
import { startRedis, type TestRedis } from "../../../test/support/redis.js";
import { createCredentialResolver, isCredentialUnavailable } from "../../auth/resolver.js";
import { readAuthStore, updateAuthStore } from "../../auth/store.js";
import { resolvePaths, type BatonPaths } from "../../config/paths.js";
import { BatonConfig } from "../../config/schema.js";
import { tempDir } from "../backend-contract.js";
import { openRedis, ready } from "./connection.js";
import { withRedisLock } from "./lock.js";
import { openStateBackend, type StateBackend } from "../backend.js";

/** OAuth refresh single-flight across gateways on one Redis (DESIGN.md §13). */

const ID = "anthropic:claude-cli";
const MODEL = "claude-opus-4-5";
let redis: TestRedis;
let oauth: FakeOAuthServer;
let paths: BatonPaths;
let keyPrefix: string;
const opened: StateBackend[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());
beforeEach(async () => {
  oauth = await startFakeOAuthServer();
  const dir = tempDir();
  paths = resolvePaths({ BATON_STATE_DIR: dir, HOME: dir });
  keyPrefix = `o${createHash("sha256").update(dir).digest("hex").slice(0, 10)}:`;
  await updateAuthStore(paths.authStorePath("main"), (store) => {
    store.profiles[ID] = { type: "oauth", provider: "anthropic", access: "sk-ant-oat01-old", refresh: `sk-ant-ort01-${"r".repeat(60)}`, expires: Date.now() - 1000 };
  });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
  await oauth.close();
});

/** One gateway: its own Redis backend and resolver, as AgentRuntime wires them. */
async function gateway() {
  const config = BatonConfig.parse({ state: { backend: "redis", redis: { url: redis.url, keyPrefix } }, auth: { oauth: { tokenUrl: oauth.url } } });
  const state = openStateBackend(config, paths, {});
  opened.push(state);
  const resolver = await createCredentialResolver({
    paths,
    config,
    env: {},
    agentId: "main",
    usage: state.authUsage("main"),
    refreshLock: (profileId, work) => state.withLock!(`oauth-refresh:main:${profileId}`, 30_000, work),
  });
  return { state, resolver };
}

async function secretOf(resolver: Awaited<ReturnType<typeof gateway>>["resolver"]): Promise<string> {
  const result = await resolver.next({ provider: "anthropic", model: MODEL });
  if (isCredentialUnavailable(result)) throw new Error(result.message);
  return result.secret;
}

describe("OAuth refresh across gateways on Redis", () => {
  it("two gateways refreshing the same expired profile at once make one token request and use its token", async () => {
    const [a, b] = await Promise.all([gateway(), gateway()]);
    // the first request is held, so both refreshes are under way at once
    oauth.enqueue({ kind: "hold", then: { kind: "tokens", accessToken: "sk-ant-oat01-fresh", refreshToken: "sk-ant-ort01-fresh", expiresIn: 3600 } });
    const secrets = Promise.all([secretOf(a.resolver), secretOf(b.resolver)]);
    await oauth.waitForRequests(1);
    oauth.release();
    expect(await secrets).toEqual(["sk-ant-oat01-fresh", "sk-ant-oat01-fresh"]);
    expect(oauth.requests).toHaveLength(1);
    expect((await readAuthStore(paths.authStorePath("main"))).profiles[ID]).toMatchObject({ access: "sk-ant-oat01-fresh", refresh: "sk-ant-ort01-fresh" });
  });

  it("a refresh waits while another gateway holds the Redis lock, then uses the tokens it stored", async () => {
    const [a, b] = await Promise.all([gateway(), gateway()]);
    let waiting: Promise<string> | undefined;
    await a.state.withLock!(`oauth-refresh:main:${ID}`, 30_000, async () => {
      waiting = secretOf(b.resolver);
      const settled = await Promise.race([waiting.then(() => "done"), new Promise((resolve) => setTimeout(resolve, 600, "waiting"))]);
      expect(settled).toBe("waiting");
      expect(oauth.requests).toHaveLength(0);
      // the holder refreshes (as gateway A would) while B waits
      await updateAuthStore(paths.authStorePath("main"), (store) => {
        store.profiles[ID] = { type: "oauth", provider: "anthropic", access: "sk-ant-oat01-by-a", refresh: "sk-ant-ort01-by-a", expires: Date.now() + 3_600_000 };
      });
    });
    expect(await waiting).toBe("sk-ant-oat01-by-a");
    expect(oauth.requests).toHaveLength(0);
  });

  it("a lock whose holder died is free again after its TTL", async () => {
    const raw = openRedis({ url: redis.url, keyPrefix });
    try {
      await ready(raw);
      // a holder that never released (it died): the key with a foreign token and a short TTL
      await raw.set("lock:held", "someone-else", "PX", 300);
      expect(await withRedisLock(raw, "held", 1000, async () => "mine", { pollMs: 20 })).toBe("mine");
      expect(await raw.exists("lock:held")).toBe(0);
      await raw.set("lock:held", "someone-else", "PX", 10_000);
      await expect(withRedisLock(raw, "held", 1000, async () => "never", { pollMs: 20, waitMs: 200 })).rejects.toThrow(/held by another process/);
      expect(await raw.get("lock:held")).toBe("someone-else");
    } finally {
      await raw.quit();
    }
  });
});
