import { describe, expect, it } from "vitest";
import type { Logger } from "../plugin-api.js";
import { PluginScope } from "./plugin-scope.js";

function recordingLog() {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields) => void warnings.push({ msg, fields }) };
  return { log, warnings };
}

describe("PluginScope", () => {
  it("disposes effects newest first, logging a failing one and going on with the rest", async () => {
    const { log, warnings } = recordingLog();
    const scope = new PluginScope(log, "test");
    const order: string[] = [];
    await scope.effect(() => () => void order.push("client"));
    await scope.effect(async () => async () => {
      order.push("server");
      throw new Error("close failed");
    });
    await scope.effect(() => () => void order.push("timer"));
    await scope.dispose();
    expect(order).toEqual(["timer", "server", "client"]);
    expect(warnings).toEqual([{ msg: "channel cleanup failed", fields: { channel: "test", error: "close failed" } }]);
  });

  it("gives up on a hanging dispose at the deadline, once for all effects", async () => {
    const { log, warnings } = recordingLog();
    const scope = new PluginScope(log, "test");
    await scope.effect(() => () => new Promise<void>(() => {}));
    const started = Date.now();
    await scope.dispose(30);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(warnings.map((w) => w.msg)).toEqual(["channel cleanup did not finish in time; going on without it"]);
  });

  it("disposes one effect early through the returned function, and only once", async () => {
    const scope = new PluginScope(recordingLog().log, "test");
    let disposed = 0;
    const early = await scope.effect(() => () => void disposed++);
    await early();
    await early();
    await scope.dispose();
    expect(disposed).toBe(1);
  });

  it("registers nothing when setup throws, and refuses effects once disposed", async () => {
    const scope = new PluginScope(recordingLog().log, "test");
    await expect(scope.effect(() => { throw new Error("port in use"); })).rejects.toThrow("port in use");
    await scope.dispose();
    await expect(scope.effect(() => () => {})).rejects.toThrow(/attempt has ended/);
  });

  it("disposes at once an effect whose setup finished after the attempt ended", async () => {
    const scope = new PluginScope(recordingLog().log, "test");
    let release!: () => void;
    let disposed = false;
    const pending = scope.effect(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return () => void (disposed = true);
    });
    await scope.dispose();
    release();
    await pending;
    expect(disposed).toBe(true);
  });
});
