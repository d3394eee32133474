import { describe, expect, it } from "vitest";
import { waitFor } from "../../test/support/wait.js";
import { type ChannelContext, type ChannelPlugin, type Logger, maskingLogger } from "../plugin-api.js";
import type { ConnectionLease, ConnectionLeaseEvents } from "../state/leases.js";
import { ChannelSupervisor, retryDelay, type ChannelStatus } from "./channel-supervisor.js";

/** A lease the test hands out and takes back by hand. */
function manualLease() {
  let events: ConnectionLeaseEvents | undefined;
  let stopped = false;
  const lease: ConnectionLease = {
    start: (e) => void (events = e),
    stop: async () => void (stopped = true),
  };
  return { lease, events: () => events!, stopped: () => stopped };
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const FAST = { firstMs: 10, maxMs: 40 };

/** A plugin whose start follows a script: "ok", "fail" or "hang" (until its signal aborts). */
function scriptedFactory(script: ("ok" | "fail" | "hang")[]) {
  const instances: { plugin: ChannelPlugin; ctx?: ChannelContext; stopped: boolean; sent: string[] }[] = [];
  let next = 0;
  const factory = () => {
    const step = script[Math.min(next++, script.length - 1)];
    const record: (typeof instances)[number] = { plugin: undefined as unknown as ChannelPlugin, stopped: false, sent: [] };
    record.plugin = {
      id: "test",
      limits: { maxMessageLength: 100, canEdit: false, nativeCommands: false, format: "plain" },
      async start(ctx) {
        record.ctx = ctx;
        if (step === "fail") throw new Error("connect ECONNREFUSED");
        if (step === "hang") {
          await new Promise<void>((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
        }
      },
      async stop() {
        record.stopped = true;
      },
      async send(_target, message) {
        record.sent.push(message.text);
        return { messageId: String(record.sent.length) };
      },
    };
    instances.push(record);
    return record.plugin;
  };
  return { factory, instances };
}

function supervise(factory: () => ChannelPlugin, changes: ChannelStatus[] = [], lease?: ConnectionLease) {
  return new ChannelSupervisor({
    id: "test",
    accountId: "default",
    factory,
    lease,
    log: quiet,
    retry: FAST,
    onChange: (status) => changes.push(status),
    context: (attempt) =>
      ({
        config: {},
        nativeCommands: false,
        env: {},
        stateDir: "/nonexistent",
        state: { get: async () => undefined, set: async () => {}, delete: async () => {}, setAside: async () => "/nonexistent" },
        signal: attempt.signal,
        log: maskingLogger(quiet),
        dispatch: async () => ({ settled: Promise.resolve("done" as const) }),
        commands: () => [],
        complete: async () => [],
        fail: attempt.fail,
      }) satisfies Omit<ChannelContext, "effect">,
  });
}

/** The supervisor's timers here are a few ms: check often, give up soon. */
const soon = { timeoutMs: 2000, intervalMs: 2 };

describe("retryDelay", () => {
  it("doubles from 1 s to a 60 s cap", () => {
    const policy = { firstMs: 1000, maxMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelay(n, policy))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });
});

describe("ChannelSupervisor", () => {
  it("a failed start resolves, reports the channel down, and retries in the background with a fresh instance", async () => {
    const { factory, instances } = scriptedFactory(["fail", "fail", "ok"]);
    const changes: ChannelStatus[] = [];
    const channel = supervise(factory, changes);
    await channel.start();
    expect(channel.status).toMatchObject({ state: "retrying", failures: 1, lastError: "connect ECONNREFUSED" });
    await waitFor(() => channel.status.state === "up", soon);
    expect(instances).toHaveLength(3);
    expect(instances.slice(0, 2).every((i) => i.stopped)).toBe(true);
    expect(channel.status.failures).toBe(0);
    expect(changes.map((c) => c.state)).toEqual(["starting", "retrying", "starting", "retrying", "starting", "up"]);
    await channel.stop();
  });

  it("ctx.fail stops the instance and starts a new one; sends reach whichever instance runs", async () => {
    const { factory, instances } = scriptedFactory(["ok", "ok"]);
    const channel = supervise(factory);
    await channel.start();
    await channel.channel.send({ chatId: "1" }, { text: "one", plainText: "one" });
    instances[0].ctx!.fail(new Error("409 Conflict: terminated by other getUpdates request"));
    instances[0].ctx!.fail(new Error("reported twice")); // ignored
    expect(channel.status.state).not.toBe("up");
    await waitFor(() => channel.status.state === "up" && instances.length === 2, soon);
    expect(instances[0].stopped).toBe(true);
    expect(instances[0].ctx!.signal.aborted).toBe(true);
    await channel.channel.send({ chatId: "1" }, { text: "two", plainText: "two" });
    expect(instances.map((i) => i.sent)).toEqual([["one"], ["two"]]);
    await channel.stop();
  });

  it("stop() ends a start that hangs and cancels a pending retry", async () => {
    const { factory, instances } = scriptedFactory(["hang"]);
    const channel = supervise(factory);
    const started = channel.start();
    await waitFor(() => instances.length === 1 && instances[0].ctx !== undefined, soon);
    await channel.stop();
    await started;
    expect(instances[0].ctx!.signal.aborted).toBe(true);
    expect(channel.status.state).toBe("stopped");

    const failing = scriptedFactory(["fail"]);
    const retrying = supervise(failing.factory);
    await retrying.start();
    await retrying.stop();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(failing.instances).toHaveLength(1);
  });

  it("a plugin whose stop never resolves is given up on after the stop timeout", async () => {
    const plugin: ChannelPlugin = {
      id: "stuck",
      limits: { maxMessageLength: 100, canEdit: false, nativeCommands: false, format: "plain" },
      start: async () => undefined,
      stop: () => new Promise<void>(() => undefined),
      send: async () => ({ messageId: "1" }),
    };
    const channel = new ChannelSupervisor({
      id: "stuck",
      accountId: "default",
      factory: () => plugin,
      log: quiet,
      stopTimeoutMs: 30,
      context: (attempt) => ({ signal: attempt.signal, fail: attempt.fail }) as unknown as ChannelContext,
    });
    await channel.start();
    const began = Date.now();
    await channel.stop();
    expect(Date.now() - began).toBeLessThan(1000);
  });

  it("disposes what an attempt registered through ctx.effect, newest first and after plugin.stop, when it fails and when the gateway stops", async () => {
    const events: string[] = [];
    let attempts = 0;
    const factory = (): ChannelPlugin => {
      const n = ++attempts;
      return {
        id: "test",
        limits: { maxMessageLength: 100, canEdit: false, nativeCommands: false, format: "plain" },
        async start(ctx) {
          await ctx.effect(() => () => void events.push(`${n}: client closed`));
          await ctx.effect(() => () => void events.push(`${n}: timer cleared`));
          if (n === 1) setImmediate(() => ctx.fail(new Error("connection lost")));
        },
        async stop() {
          events.push(`${n}: stop`);
        },
        send: async () => ({ messageId: "1" }),
      };
    };
    const channel = supervise(factory);
    await channel.start();
    await waitFor(() => attempts === 2 && channel.status.state === "up", soon);
    expect(events).toEqual(["1: stop", "1: timer cleared", "1: client closed"]);
    await channel.stop();
    expect(events.slice(3)).toEqual(["2: stop", "2: timer cleared", "2: client closed"]);
  });

  it("with a lease: stands by while another gateway holds it, connects when won, stops when lost, and connects a fresh instance when won back", async () => {
    const { factory, instances } = scriptedFactory(["ok"]);
    const manual = manualLease();
    const channel = supervise(factory, [], manual.lease);
    const started = channel.start();
    manual.events().standby?.();
    await started;
    expect(channel.status.state).toBe("standby");
    expect(instances[0].ctx).toBeUndefined();

    manual.events().acquired();
    await waitFor(() => channel.status.state === "up", soon);
    manual.events().lost("lease taken over");
    // won back at once, while the lost instance is still being stopped: the fresh instance connects, not the old one
    manual.events().acquired();
    await waitFor(() => instances.length === 2 && channel.status.state === "up", soon);
    expect(instances[0].stopped).toBe(true);
    expect(instances[1].ctx).toBeDefined();
    await channel.stop();
    expect(manual.stopped()).toBe(true);
    expect(channel.status.state).toBe("stopped");
  });
});
