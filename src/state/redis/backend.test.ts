import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../../../test/support/redis.js";
import { waitFor } from "../../../test/support/wait.js";
import { resolvePaths } from "../../config/paths.js";
import { BatonConfig } from "../../config/schema.js";
import { addFileProfile, describeBackendContract, tempDir } from "../backend-contract.js";
import { openStateBackend, type StateBackend } from "../backend.js";

let server: TestRedis;
const opened: StateBackend[] = [];
beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
});
afterAll(() => server.stop());

/** One key prefix per state dir: opening the same dir again is a restart or a second gateway. */
function open(dir: string): StateBackend {
  const keyPrefix = `t${createHash("sha256").update(dir).digest("hex").slice(0, 10)}:`;
  const backend = openStateBackend(BatonConfig.parse({ state: { backend: "redis", redis: { url: server.url, keyPrefix } } }), resolvePaths({ BATON_STATE_DIR: dir, HOME: dir }));
  opened.push(backend);
  return backend;
}

describeBackendContract({ name: "redis", open, addProfile: addFileProfile });

describe("redis backend across gateways", () => {
  it("shows a cooldown recorded by one gateway to another from memory, after a pub/sub message", async () => {
    const dir = tempDir();
    await addFileProfile(dir, "main", "anthropic:a");
    const a = open(dir).authUsage("main");
    const b = open(dir).authUsage("main");
    expect(await b.snapshot()).toEqual({});
    await a.update("anthropic:a", (s) => ({ ...s, cooldownUntil: 4242 }));
    const seen = await waitFor(async () => (await b.snapshot())["anthropic:a"]?.cooldownUntil, { what: "B to see A's cooldown" });
    expect(seen).toBe(4242);
  });

  it("never lets an older message overwrite newer stats", async () => {
    const dir = tempDir();
    await addFileProfile(dir, "main", "anthropic:a");
    const a = open(dir).authUsage("main");
    const b = open(dir).authUsage("main");
    await b.snapshot();
    for (let i = 1; i <= 20; i++) await (i % 2 ? a : b).update("anthropic:a", (s) => ({ ...s, errorCount: s.errorCount + 1 }));
    await waitFor(async () => (await a.snapshot())["anthropic:a"]?.errorCount === 20 && (await b.snapshot())["anthropic:a"]?.errorCount === 20, { what: "both at 20" });
  });

  it("fails a session read plainly while Redis is down, and works again once it is back", async () => {
    const dir = tempDir();
    const sessions = open(dir).sessions("main");
    await sessions.update("s", (s) => void s.history.push({ role: "user", content: "hi", ts: 1 }));
    server.pause();
    try {
      await expect(sessions.get("s")).rejects.toThrow();
    } finally {
      server.resume();
    }
    expect((await waitFor(() => sessions.get("s").catch(() => undefined), { what: "Redis back" })).history).toHaveLength(1);
  });
});
