import { afterEach, describe, expect, it } from "vitest";
import { OutboundLimiter } from "./outbound-limiter.js";

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

let limiter: OutboundLimiter;
afterEach(async () => {
  await limiter.stop();
});

describe("OutboundLimiter", () => {
  it("sends one message per chat at a time, in order", async () => {
    limiter = new OutboundLimiter({
      perChat: { limit: 1, intervalMs: 20 },
      perGroup: { limit: 20, intervalMs: 60_000 },
      global: { limit: 100, intervalMs: 1000 },
    });
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setImmediate(r));
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all(["a", "b", "c"].map((n) => limiter.schedule("42", task(n))));
    expect(results).toEqual(["a", "b", "c"]);
    expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("holds a message while the global window is full, until a slot comes back", async () => {
    limiter = new OutboundLimiter({
      perChat: { limit: 1, intervalMs: 10 },
      perGroup: { limit: 20, intervalMs: 60_000 },
      global: { limit: 2, intervalMs: 10 },
    });
    const events: string[] = [];
    const gates = [deferred(), deferred()];
    const bothStarted = deferred();
    const gated = (chat: string, gate: Promise<void>) => async () => {
      events.push(`start ${chat}`);
      if (events.length === 2) bothStarted.resolve();
      await gate;
      events.push(`end ${chat}`);
    };
    const first = limiter.schedule("1", gated("1", gates[0].promise));
    const second = limiter.schedule("2", gated("2", gates[1].promise));
    const third = limiter.schedule("3", async () => void events.push("start 3"));
    await bothStarted.promise;
    gates[0].resolve();
    await Promise.all([first, third]);
    expect(events).toEqual(["start 1", "start 2", "end 1", "start 3"]);
    gates[1].resolve();
    await second;
  });

  it("limits a group chat by its per-group window too", async () => {
    limiter = new OutboundLimiter({
      perChat: { limit: 5, intervalMs: 10 },
      perGroup: { limit: 1, intervalMs: 60_000 },
      global: { limit: 100, intervalMs: 1000 },
    });
    const started: string[] = [];
    await limiter.schedule("-5", async () => void started.push("group 1"));
    void limiter.schedule("-5", async () => void started.push("group 2")).catch(() => undefined);
    await limiter.schedule("5", async () => void started.push("user"));
    expect(started).toEqual(["group 1", "user"]);
  });

  it("skips a superseded task without using its slot", async () => {
    limiter = new OutboundLimiter({
      perChat: { limit: 1, intervalMs: 60_000 },
      perGroup: { limit: 20, intervalMs: 60_000 },
      global: { limit: 100, intervalMs: 1000 },
    });
    expect(await limiter.schedule("9", async () => "ran", () => true)).toBeUndefined();
    expect(await limiter.schedule("9", async () => "ran")).toBe("ran");
  });

  it("rejects queued messages when stopped", async () => {
    limiter = new OutboundLimiter({
      perChat: { limit: 1, intervalMs: 60_000 },
      perGroup: { limit: 20, intervalMs: 60_000 },
      global: { limit: 100, intervalMs: 1000 },
    });
    await limiter.schedule("9", async () => "first");
    const queued = expect(limiter.schedule("9", async () => "second")).rejects.toThrow(/stopped/);
    await limiter.stop();
    await queued;
    await expect(limiter.schedule("9", async () => "late")).rejects.toThrow(/stopped/);
  });
});
