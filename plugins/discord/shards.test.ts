import { afterEach, describe, expect, it } from "vitest";
import type { InboundMessage } from "../../src/plugin-api.js";
import { startFakeDiscord, type FakeDiscord } from "../../test/fakes/discord/index.js";
import { shardOfGuild } from "../../test/fakes/discord/gateway.js";
import { createHarness, type Harness } from "./test-harness.js";
import { createDiscordPlugin } from "./index.js";
import { shardOptions } from "./client.js";

const alice = { id: "200000000000000001", username: "alice", global_name: "Alice" };
/** Two guilds on different shards of 2: (id >> 22) % 2 is 1 and 0. */
const GUILD_SHARD_1 = "310000000000000001";
const GUILD_SHARD_0 = "320000000000000001";
const DM = "400000000000000001";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startShard(fake: FakeDiscord, shards: { count: number; ids: number[] }): Promise<Harness> {
  const harness = createHarness({ config: { token: fake.token, apiRoot: fake.apiRoot, commands: { native: false }, shards } });
  const plugin = createDiscordPlugin({ accountId: "default", identifyIntervalMs: 0 });
  await plugin.start(harness.ctx);
  cleanups.push(async () => {
    await plugin.stop();
    await harness.dispose();
    harness.cleanup();
  });
  return harness;
}

describe("discord sharding (channels.discord.shards)", () => {
  it("maps the config to discord.js options", () => {
    expect(shardOptions(undefined)).toEqual({});
    expect(shardOptions("auto")).toEqual({ shards: "auto" });
    expect(shardOptions({ count: 4 })).toEqual({ shards: [0, 1, 2, 3], shardCount: 4 });
    expect(shardOptions({ count: 4, ids: [2, 3] })).toEqual({ shards: [2, 3], shardCount: 4 });
  });

  it("identifies with its shard, and gets only its guilds' events (DMs on shard 0)", async () => {
    expect([shardOfGuild(GUILD_SHARD_1, 2), shardOfGuild(GUILD_SHARD_0, 2)]).toEqual([1, 0]);
    const fake = await startFakeDiscord();
    cleanups.push(() => fake.close());
    for (const id of [GUILD_SHARD_1, GUILD_SHARD_0]) fake.addGuild({ id, channels: [{ id: `${id.slice(0, -1)}9`, name: "general", type: 0 }] });
    const shard1 = await startShard(fake, { count: 2, ids: [1] });
    const shard0 = await startShard(fake, { count: 2, ids: [0] });
    expect(fake.identifies.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);

    const onShard1 = fake.emitMessage({ channel_id: `${GUILD_SHARD_1.slice(0, -1)}9`, guild_id: GUILD_SHARD_1, author: alice, content: "<@1100000000000000001> one" });
    const onShard0 = fake.emitMessage({ channel_id: `${GUILD_SHARD_0.slice(0, -1)}9`, guild_id: GUILD_SHARD_0, author: alice, content: "<@1100000000000000001> zero" });
    const dm = fake.emitMessage({ channel_id: DM, author: alice, content: "dm" });
    const byId = (id: string) => (m: InboundMessage) => m.messageId === id;
    await shard1.waitForDispatch(byId(onShard1));
    await shard0.waitForDispatch(byId(onShard0));
    await shard0.waitForDispatch(byId(dm));
    expect(shard1.dispatched.map((m) => m.messageId)).toEqual([onShard1]);
    expect(shard0.dispatched.map((m) => m.messageId).sort()).toEqual([onShard0, dm].sort());
  });
});
