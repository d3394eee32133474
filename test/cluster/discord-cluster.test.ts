/**
 * Discord on several gateways sharing Redis (DESIGN.md §13): one holder per shard group, a
 * standby identifying within the lease TTL + 5 s after the holder is SIGKILLed. Real processes
 * (built dist/), a real redis-server, the Discord and Anthropic fakes.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";
import { shardOfGuild } from "../fakes/discord/gateway.js";
import { assertBuilt, defaultProfiles, makeProcessHome, processEnv, spawnBaton, writeAuthStore, type CliProcess, type ProcessHome } from "../e2e/telegram-helpers.js";
import { startRedis, type TestRedis } from "../support/redis.js";

const LEASE_TTL_MS = 1500;
const alice = { id: "210000000000000001", username: "alice", global_name: "Alice" };
/** (id >> 22) % 2: shard 1 and shard 0. */
const GUILD_SHARD_1 = "310000000000000001";
const GUILD_SHARD_0 = "320000000000000001";
const channelOf = (guild: string) => `${guild.slice(0, -1)}9`;
const DM = "410000000000000001";

let redis: TestRedis;
let anthropic: FakeAnthropic;
let discord: FakeDiscord;
let home: ProcessHome;
let running: CliProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  [redis, anthropic, discord] = await Promise.all([startRedis(), startFakeAnthropic(), startFakeDiscord()]);
  for (const guild of [GUILD_SHARD_1, GUILD_SHARD_0]) discord.addGuild({ id: guild, channels: [{ id: channelOf(guild), name: "general", type: 0 }] });
  home = makeProcessHome();
  writeAuthStore(home.authStorePath, defaultProfiles());
});
afterAll(async () => {
  await Promise.all([redis?.stop(), anthropic?.close(), discord?.close()]);
  home?.cleanup();
});
afterEach(async (context) => {
  await Promise.all(running.map((proc) => proc.terminate(3000)));
  if (context.task.result?.state === "fail") for (const proc of running) console.error(`--- gateway ${proc.pid}:\n${proc.stderr()}`);
  running = [];
});

/** A config file for one shard group. */
function configFor(shardIds: number[]): string {
  const file = path.join(home.stateDir, `shards-${shardIds.join("-")}.json5`);
  const config = {
    state: { backend: "redis", redis: { url: redis.url, keyPrefix: "discord-cluster:", leaseTtlMs: LEASE_TTL_MS } },
    commands: { allowFrom: ["*"] },
    channels: { discord: { token: discord.token, apiRoot: discord.apiRoot, dmPolicy: "open", guildPolicy: "open", requireMention: false, shards: { count: 2, ids: shardIds } } },
  };
  fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

async function startGateway(shardIds: number[]): Promise<CliProcess> {
  const proc = spawnBaton(["gateway", "--config", configFor(shardIds)], processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url }), home.home);
  running.push(proc);
  await proc.waitForStderr("Baton gateway running");
  return proc;
}

const holds = (proc: CliProcess) => proc.child.exitCode === null && /discord: up|channel lease acquired/.test(proc.stderr());
const answers = (channelId: string) => discord.messages.filter((m) => m.channel_id === channelId && m.kind === "create").map((m) => m.content);

describe("discord gateways sharing Redis", () => {
  it("hold one lease per shard group; a standby identifies within the lease TTL + 5 s after the holder is SIGKILLed", async () => {
    expect([shardOfGuild(GUILD_SHARD_1, 2), shardOfGuild(GUILD_SHARD_0, 2)]).toEqual([1, 0]);
    const shard0 = await startGateway([0]);
    const shard1 = await startGateway([1]);
    await discord.waitFor(() => discord.identifies.length === 2, 20_000);
    const standby = await startGateway([0]);
    expect(standby.stderr()).toContain("discord: standby");
    expect(holds(shard0) && holds(shard1)).toBe(true);
    expect(discord.identifies.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);

    discord.emitMessage({ channel_id: channelOf(GUILD_SHARD_1), guild_id: GUILD_SHARD_1, author: alice, content: "to shard one" });
    discord.emitMessage({ channel_id: DM, author: alice, content: "a dm" });
    await discord.waitFor(() => answers(channelOf(GUILD_SHARD_1)).length === 1 && answers(DM).length === 1, 20_000);

    shard0.child.kill("SIGKILL");
    await shard0.exited;
    const killedAt = performance.now();
    const takeover = await discord.waitFor(() => discord.identifies.slice(2).find((i) => i.shard[0] === 0), LEASE_TTL_MS + 15_000);
    expect(takeover.at - killedAt).toBeLessThan(LEASE_TTL_MS + 5000);

    discord.emitMessage({ channel_id: channelOf(GUILD_SHARD_0), guild_id: GUILD_SHARD_0, author: alice, content: "to shard zero" });
    await discord.waitFor(() => answers(channelOf(GUILD_SHARD_0)).length === 1, 20_000);
    expect(answers(channelOf(GUILD_SHARD_0))).toEqual(["echo: to shard zero"]);
    expect(answers(channelOf(GUILD_SHARD_1))).toEqual(["echo: to shard one"]);
    expect(answers(DM)).toEqual(["echo: a dm"]);
  });
});
