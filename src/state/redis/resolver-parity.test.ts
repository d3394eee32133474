import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../../../test/support/redis.js";
import { waitFor } from "../../../test/support/wait.js";
import { createCredentialResolver, isCredentialUnavailable, type CredentialResolver } from "../../auth/resolver.js";
import { updateAuthStore } from "../../auth/store.js";
import { resolvePaths } from "../../config/paths.js";
import { BatonConfig, type BatonConfigInput } from "../../config/schema.js";
import { tempDir } from "../backend-contract.js";
import { openStateBackend, type StateBackend } from "../backend.js";

/**
 * Backend parity of the cooldown rules through the real resolver (DESIGN.md §13): the same
 * scenarios with usage stats in the auth store file and in Redis, each with two resolvers on
 * one state (two gateways, or a gateway and a later process).
 */

const MODEL = "claude-opus-4-5";
const KEY_A = `sk-ant-api03-${"a".repeat(80)}AAAA`;
const KEY_B = `sk-ant-api03-${"b".repeat(80)}BBBB`;
let redis: TestRedis;
const opened: StateBackend[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});
afterAll(() => redis.stop());

const backends: { name: string; state(dir: string): BatonConfigInput["state"] }[] = [
  { name: "file", state: () => ({ backend: "file" }) },
  { name: "redis", state: (dir) => ({ backend: "redis", redis: { url: redis.url, keyPrefix: `p${createHash("sha256").update(dir).digest("hex").slice(0, 10)}:` } }) },
];

describe.each(backends)("resolver on the $name backend", (row) => {
  let clock = Date.now();
  async function twoGateways(): Promise<[CredentialResolver, CredentialResolver]> {
    const dir = tempDir();
    const paths = resolvePaths({ BATON_STATE_DIR: dir, HOME: dir });
    await updateAuthStore(paths.authStorePath("main"), (store) => {
      store.profiles["anthropic:a"] = { type: "api_key", provider: "anthropic", key: KEY_A };
      store.profiles["anthropic:b"] = { type: "api_key", provider: "anthropic", key: KEY_B };
    });
    const config = BatonConfig.parse({ state: row.state(dir), auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } });
    clock = Date.now();
    const open = async () => {
      const state = openStateBackend(config, paths, {});
      opened.push(state);
      return createCredentialResolver({ paths, config, env: {}, agentId: "main", usage: state.authUsage("main"), now: () => clock });
    };
    return [await open(), await open()];
  }
  const pick = async (r: CredentialResolver, model = MODEL) => {
    const result = await r.next({ provider: "anthropic", model });
    if (isCredentialUnavailable(result)) return `unavailable: ${result.reason}`;
    // only the choice matters here: the call is not made (so it holds no rate-limit headroom)
    r.release(result.profileId, model);
    return result.profileId;
  };

  it("a 429 recorded by one gateway cools (profile, model) down for the other: its next pick skips it", async () => {
    const [a, b] = await twoGateways();
    expect(await pick(b)).toBe("anthropic:a");
    expect(await a.reportFailure("anthropic:a", MODEL, { failureClass: "rate_limit", retryAfterMs: 120_000 }, 0)).toEqual({ action: "next" });
    expect(await pick(a)).toBe("anthropic:b");
    await waitFor(async () => (await pick(b)) === "anthropic:b", { what: "B to skip anthropic:a" });
    // the cooldown is per model
    expect(await pick(b, "claude-haiku-4-5")).toBe("anthropic:a");
    clock += 121_000;
    expect(await pick(b)).toBe("anthropic:a");
  });

  it("a success clears failures recorded before its call started, and keeps one recorded during the call", async () => {
    const [a, b] = await twoGateways();
    // a call on A starts, then B records a 429 of the same profile while it runs: the 429 stays
    const startedAt = clock;
    clock += 1000;
    await b.reportFailure("anthropic:a", MODEL, { failureClass: "rate_limit", retryAfterMs: 120_000 }, 0);
    await waitFor(async () => (await pick(a)) === "anthropic:b", { what: "A to see B's 429" });
    await a.reportSuccess("anthropic:a", MODEL, startedAt);
    expect(await pick(a)).toBe("anthropic:b");
    expect(await pick(b)).toBe("anthropic:b");
    // a call that started after the 429 (a pinned probe) succeeds: the cooldown is gone everywhere
    clock += 1000;
    await a.reportSuccess("anthropic:a", MODEL, clock);
    expect(await pick(a)).toBe("anthropic:a");
    await waitFor(async () => (await pick(b)) === "anthropic:a", { what: "B to see the clear" });
  });
});
