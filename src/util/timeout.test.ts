import { describe, expect, it } from "vitest";
import { pause, settledWithin, TimeoutError, withTimeout } from "./timeout.js";

const never = new Promise<never>(() => {});

describe("withTimeout", () => {
  it("passes on the value or the rejection of a promise that settles in time", async () => {
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error("boom")), 1000)).rejects.toThrow("boom");
  });

  it("rejects with a TimeoutError carrying the given message when time is up", async () => {
    const err = await withTimeout(never, 5, { message: "no answer in 5 ms" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ message: "no answer in 5 ms", ms: 5 });
  });

  it("rejects with the signal's reason when it aborts first, or was aborted already", async () => {
    const controller = new AbortController();
    const waiting = withTimeout(never, 10_000, { signal: controller.signal });
    controller.abort(new Error("stopping"));
    await expect(waiting).rejects.toThrow("stopping");
    await expect(withTimeout(Promise.resolve(1), 10_000, { signal: controller.signal })).rejects.toThrow("stopping");
  });

  it("leaves no timer behind once the promise settled", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await withTimeout(Promise.resolve(1), 60_000);
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
  });
});

describe("settledWithin", () => {
  it("says whether the promise settled (either way) before the time was up, and never rejects", async () => {
    expect(await settledWithin(Promise.reject(new Error("x")), 1000)).toBe(true);
    expect(await settledWithin(Promise.resolve(), 1000)).toBe(true);
    expect(await settledWithin(never, 5)).toBe(false);
  });
});

describe("pause", () => {
  it("resolves after the time, or as soon as the signal aborts (also when it already has)", async () => {
    const start = Date.now();
    await pause(20);
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const waiting = pause(60_000, controller.signal);
    controller.abort();
    await waiting;
    await pause(60_000, controller.signal);
  });
});
