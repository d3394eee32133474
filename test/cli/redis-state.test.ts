import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PairingGate } from "../../src/pairing/gate.js";
import { resolvePaths } from "../../src/config/paths.js";
import { BatonConfig } from "../../src/config/schema.js";
import { openStateBackend, type StateBackend } from "../../src/state/backend.js";
import { defaultProfiles, writeAuthStore } from "../support/fixtures.js";
import { startRedis, type TestRedis } from "../support/redis.js";
import { waitFor } from "../support/wait.js";
import { type CliHome, freshHomeForEachTest, json, runBaton, writeJson } from "./helpers.js";

/**
 * CLI commands with `state.backend: "redis"` act on what the gateways share in Redis (DESIGN.md
 * §13): `baton pairing` approves there, `models auth cooldown list/clear` and `models status`
 * read and clear the shared cooldowns. The gateway's side is a backend opened in this process.
 */

let server: TestRedis;
let home: CliHome;
const opened: StateBackend[] = [];
freshHomeForEachTest((h) => (home = h));
beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});
afterAll(() => server.stop());

let prefixCounter = 0;
/** A config on Redis with a key prefix of its own, and the gateway's backend on it. */
function setUp(): { gateway: StateBackend; env: Record<string, string> } {
  const keyPrefix = `cli${process.pid}x${++prefixCounter}:`;
  writeJson(home.configPath, { state: { backend: "redis", redis: { keyPrefix } } });
  const gateway = openStateBackend(BatonConfig.parse({ state: { backend: "redis", redis: { url: server.url, keyPrefix } } }), resolvePaths({ BATON_STATE_DIR: home.stateDir, HOME: home.home }));
  opened.push(gateway);
  return { gateway, env: { BATON_REDIS_URL: server.url } };
}

describe("CLI on the redis backend", () => {
  it("baton pairing lists and approves the gateway's requests in Redis, and no pairing file is written", async () => {
    const { gateway, env } = setUp();
    const gate = new PairingGate((channel) => gateway.pairing(channel));
    const issued = await gate.request("telegram", { userId: "5000002", name: "Bob" });
    if (issued.kind !== "issued") throw new Error(issued.kind);
    const listed = json(await runBaton(home, ["pairing", "list", "--json"], { env }));
    expect(listed.channels).toEqual([expect.objectContaining({ channel: "telegram", file: expect.stringMatching(/^redis key cli\d+x\d+:pairing:telegram$/), approved: [] })]);
    expect(listed.channels[0].pending).toMatchObject([{ code: issued.code, userId: "5000002", name: "Bob" }]);
    const approved = await runBaton(home, ["pairing", "approve", "telegram", issued.code], { env });
    expect(approved.code, approved.stderr).toBe(0);
    expect(await gate.isApproved("telegram", "5000002")).toBe(true);
    expect((await runBaton(home, ["pairing", "revoke", "telegram", "5000002"], { env })).code).toBe(0);
    expect(await gate.isApproved("telegram", "5000002")).toBe(false);
    expect(fs.existsSync(path.join(home.stateDir, "pairing"))).toBe(false);
    // doctor checks the approvals where they are
    await gate.request("telegram", { userId: "5000003" });
    const doctor = json(await runBaton(home, ["doctor", "--json"], { env }));
    expect(doctor.findings).toContainEqual(expect.objectContaining({ check: "pairing", level: "ok", path: listed.channels[0].file, message: expect.stringContaining("telegram: 0 approved senders, 1 pending request") }));
  });

  it("models auth cooldown list/clear and models status see and clear a cooldown a gateway recorded", async () => {
    const { gateway, env } = setUp();
    writeAuthStore(home.storePath(), defaultProfiles());
    const until = Date.now() + 600_000;
    await gateway.authUsage("main").update("anthropic:a", (s) => ({ ...s, cooldownUntil: until, errorCount: 1, lastFailureAt: Date.now() }));
    const listed = json(await runBaton(home, ["models", "auth", "cooldown", "list", "--json"], { env }));
    expect(listed.cooldowns).toEqual([expect.objectContaining({ profileId: "anthropic:a", until })]);
    const status = json(await runBaton(home, ["models", "status", "--json"], { env }));
    expect(JSON.stringify(status.auth.unusableProfiles)).toContain("anthropic:a");
    const cleared = await runBaton(home, ["models", "auth", "cooldown", "clear", "anthropic:a"], { env });
    expect(cleared.code, cleared.stderr).toBe(0);
    await waitFor(async () => !((await gateway.authUsage("main").snapshot())["anthropic:a"]?.cooldownUntil ?? 0), { what: "the gateway to see the clear" });
    expect(json(await runBaton(home, ["models", "auth", "cooldown", "list", "--json"], { env })).cooldowns).toEqual([]);
    // the file keeps no usage stats with this backend
    expect(JSON.parse(fs.readFileSync(home.storePath(), "utf8")).usageStats).toEqual({});
  });
});
