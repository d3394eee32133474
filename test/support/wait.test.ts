import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { waitFor } from "./wait.js";

describe("waitFor", () => {
  it("resolves at once with a value that is already there", async () => {
    expect(await waitFor(() => ({ found: 1 }))).toEqual({ found: 1 });
  });

  it("polls until the check yields a value, and resolves with it (0 and empty strings are values)", async () => {
    const items: number[] = [];
    setTimeout(() => items.push(0), 30);
    expect(await waitFor(() => items.find((n) => n === 0), { intervalMs: 5 })).toBe(0);
    let ready = false;
    setTimeout(() => (ready = true), 20);
    expect(await waitFor(() => ready, { intervalMs: 5 })).toBe(true);
  });

  it("awaits an async check before polling again", async () => {
    let calls = 0;
    let running = 0;
    const answer = async () => {
      running++;
      expect(running).toBe(1); // never two at once
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return ++calls >= 3 ? ["reply"] : undefined;
    };
    expect(await waitFor(answer, { intervalMs: 1 })).toEqual(["reply"]);
    expect(calls).toBe(3);
    await expect(waitFor(async () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
  });

  it("re-checks on the emitter's events instead of polling", async () => {
    const changes = new EventEmitter();
    let checks = 0;
    const found: string[] = [];
    const waiting = waitFor(() => (checks++, found[0]), { changes });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(checks).toBe(1);
    found.push("here");
    changes.emit("change");
    expect(await waiting).toBe("here");
    expect(checks).toBe(2);
    expect(changes.listenerCount("change")).toBe(0);
  });

  it("times out naming what it waited for, with the detail", async () => {
    await expect(waitFor(() => null, { timeoutMs: 30, what: "the moon", detail: () => "sky: cloudy" })).rejects.toThrow(
      /timed out after 30 ms waiting for the moon\nsky: cloudy/,
    );
  });

  it("rejects with the error a check throws, and stops checking", async () => {
    const changes = new EventEmitter();
    let checks = 0;
    const failing = waitFor(
      () => {
        checks++;
        throw new Error("exited early");
      },
      { changes },
    );
    await expect(failing).rejects.toThrow("exited early");
    changes.emit("change");
    expect(checks).toBe(1);
  });
});
