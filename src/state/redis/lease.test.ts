import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { startRedis, type TestRedis } from "../../../test/support/redis.js";
import { waitFor } from "../../../test/support/wait.js";
import { openRedis, ready } from "./connection.js";
import { LeaseKeeper, RedisLease } from "./lease.js";

let server: TestRedis;
const clients: Redis[] = [];
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

async function client(): Promise<Redis> {
  const c = openRedis({ url: server.url, keyPrefix: `t${Math.random().toString(36).slice(2, 8)}:`, commandTimeoutMs: 300 });
  clients.push(c);
  await ready(c);
  return c;
}

describe("RedisLease", () => {
  it("is held by one owner at a time, with a fencing token that only grows", async () => {
    const redis = await client();
    const a = new RedisLease(redis, "lease:x", "a", 500);
    const b = new RedisLease(redis, "lease:x", "b", 500);
    const held = await a.acquire();
    expect(held).toMatchObject({ fence: 1, value: "1:a" });
    expect(await b.acquire()).toBeUndefined();
    expect(await b.renew({ fence: 1, value: "1:b" })).toBe(false);
    await b.release({ fence: 1, value: "1:b" });
    expect(await a.holder()).toBe("1:a");
    await a.release(held!);
    const next = await b.acquire();
    expect(next?.fence).toBe(2);
  });

  it("expires when not renewed, and the old holder can no longer renew", async () => {
    const redis = await client();
    const a = new RedisLease(redis, "lease:y", "a", 150);
    const b = new RedisLease(redis, "lease:y", "b", 150);
    const held = (await a.acquire())!;
    const taken = await waitFor(() => b.acquire(), { what: "the lease to expire", intervalMs: 20 });
    expect(taken.fence).toBeGreaterThan(held.fence);
    expect(await a.renew(held)).toBe(false);
  });
});

describe("LeaseKeeper", () => {
  it("hands the role to a standby when the holder stops, and never to two at once", async () => {
    const redis = await client();
    const holders = new Set<string>();
    let overlap = false;
    const keeper = (owner: string) =>
      new LeaseKeeper(new RedisLease(redis, "lease:z", owner, 300), {
        acquired: () => {
          if (holders.size) overlap = true;
          holders.add(owner);
        },
        lost: () => holders.delete(owner),
      });
    const a = keeper("a");
    const b = keeper("b");
    a.start();
    await waitFor(() => holders.has("a"), { what: "a to hold" });
    b.start();
    await a.stop();
    holders.delete("a");
    await waitFor(() => holders.has("b"), { what: "b to take over" });
    await b.stop();
    expect(overlap).toBe(false);
  });

  it("gives the role up when Redis stops answering, before the lease could pass to anyone", async () => {
    const redis = await client();
    const events: string[] = [];
    const keeper = new LeaseKeeper(new RedisLease(redis, "lease:w", "a", 600), { acquired: () => events.push("acquired"), lost: (why) => events.push(`lost: ${why}`) });
    keeper.start();
    await waitFor(() => events.includes("acquired"), { what: "the lease" });
    server.pause();
    try {
      // the watchdog fires at the last confirmation + TTL - margin, even while a renewal still waits on Redis
      expect(await waitFor(() => events.find((e) => e.startsWith("lost")), { what: "the keeper to give up" })).toBe("lost: lease renewal not confirmed in time");
    } finally {
      server.resume();
      await keeper.stop();
    }
  });
});
