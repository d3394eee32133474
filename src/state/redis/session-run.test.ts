import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../../../test/support/redis.js";
import { openRedis, ready } from "./connection.js";
import { acquireSessionRun, SessionBusyError } from "./session-run.js";

let server: TestRedis;
let a: Redis;
let b: Redis;
beforeAll(async () => {
  server = await startRedis();
  [a, b] = [openRedis({ url: server.url, keyPrefix: "sr:" }), openRedis({ url: server.url, keyPrefix: "sr:" })];
  await Promise.all([ready(a), ready(b)]);
});
afterAll(async () => {
  a.disconnect();
  b.disconnect();
  await server.stop();
});

describe("one run of a session at a time across processes", () => {
  it("makes a second process wait until the first run ends, and lets other sessions run meanwhile", async () => {
    const order: string[] = [];
    const releaseA = await acquireSessionRun(a, "gateway-a", "main", "telegram:dm:1");
    const waiting = acquireSessionRun(b, "gateway-b", "main", "telegram:dm:1").then((release) => (order.push("b runs"), release));
    const other = await acquireSessionRun(b, "gateway-b", "main", "telegram:dm:2");
    await other();
    await new Promise((resolve) => setTimeout(resolve, 100));
    order.push("a ends");
    await releaseA();
    const releaseB = await waiting;
    await releaseB();
    expect(order).toEqual(["a ends", "b runs"]);
  });

  it("gives up with a plain reason when the session stays busy", async () => {
    const release = await acquireSessionRun(a, "gateway-a", "main", "telegram:dm:3");
    await expect(acquireSessionRun(b, "gateway-b", "main", "telegram:dm:3", { waitMs: 200 })).rejects.toThrow(SessionBusyError);
    await release();
  });

  it("frees a session whose runner died after the lease TTL", async () => {
    await acquireSessionRun(a, "gateway-a", "main", "telegram:dm:4", { ttlMs: 300 });
    // gateway-a never releases (killed): its renewal timer is gone with it, here it lives on, so drop its connection
    a.disconnect();
    const release = await acquireSessionRun(b, "gateway-b", "main", "telegram:dm:4", { waitMs: 5000 });
    await release();
  });
});
