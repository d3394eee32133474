import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentEvent } from "../agents/events.js";
import { FileUsageStore } from "../state/file/usage.js";
import { waitFor } from "../../test/support/wait.js";
import { UsageRecorder } from "./recorder.js";

const dirs: string[] = [];
const recorders: UsageRecorder[] = [];
afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setup(options: { now?: () => number; refreshMs?: number; dir?: string } = {}) {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "baton-recorder-"));
  if (!options.dir) dirs.push(dir);
  const store = new FileUsageStore(path.join(dir, "usage"));
  const errors: string[] = [];
  const recorder = new UsageRecorder({
    repository: store,
    config: { models: { pricing: { "anthropic/cheap": { input: 1, output: 2, cacheRead: 0.5, cacheWrite: 4 } } } },
    now: options.now,
    flushMs: 5,
    refreshMs: options.refreshMs,
    onError: (err, during) => errors.push(`${during}: ${(err as Error).message}`),
  });
  recorders.push(recorder);
  return { dir, store, recorder, errors };
}

const turn = (over: Partial<Extract<AgentEvent, { type: "turn" }>> = {}): AgentEvent => ({
  type: "turn",
  agentId: "main",
  sessionKey: "telegram:dm:1",
  sender: "telegram:1",
  model: "anthropic/cheap",
  profileId: "anthropic:a",
  outcome: "ok",
  durationMs: 10,
  usage: { inputTokens: 100_000, outputTokens: 50_000, cacheReadTokens: 200_000, cacheWriteTokens: 10_000 },
  ...over,
});
const now = Date.parse("2026-12-05T04:20:00Z");

describe("UsageRecorder", () => {
  it("rolls answered turns up per day and key, writes them in a batch, and ignores failed ones", async () => {
    const { recorder, store } = setup({ now: () => now });
    for (let i = 0; i < 5; i++) recorder.listener(turn());
    recorder.listener(turn({ sender: "telegram:2", sessionKey: "telegram:dm:2" }));
    recorder.listener(turn({ outcome: "error", usage: undefined, profileId: undefined }));
    recorder.listener(turn({ outcome: "aborted" }));
    recorder.listener({ type: "failover", agentId: "main", fromProfile: "a", toProfile: "b", model: "m" });
    await recorder.flush();
    const { rows } = await store.query();
    expect(rows).toHaveLength(2);
    // 0.1 + 0.1 + 0.1 + 0.04 = 0.34 per turn
    expect(rows.find((r) => r.sender === "telegram:1")).toMatchObject({
      day: "2026-12-05",
      turns: 5,
      inputTokens: 500_000,
      outputTokens: 250_000,
      cacheReadTokens: 1_000_000,
      cacheWriteTokens: 50_000,
      unpricedTurns: 0,
    });
    expect(rows.find((r) => r.sender === "telegram:1")!.costUsd).toBeCloseTo(1.7, 10);
  });

  it("flushes by itself shortly after a turn, and on close", async () => {
    const { recorder, store } = setup();
    recorder.listener(turn());
    await waitFor(async () => (await store.query()).rows.length === 1, { what: "the timed flush" });
    recorder.listener(turn());
    await recorder.close();
    expect((await store.query()).rows[0].turns).toBe(2);
  });

  it("keeps the spend per profile and sender, day and month; unpriced models count turns, not dollars", async () => {
    const { recorder } = setup({ now: () => now });
    await recorder.ready();
    recorder.listener(turn());
    recorder.listener(turn({ model: "anthropic/unpriced-model" }));
    expect(recorder.spent("profile", "anthropic:a", "day", now)).toBeCloseTo(0.34, 10);
    expect(recorder.spent("sender", "telegram:1", "month", now)).toBeCloseTo(0.34, 10);
    expect(recorder.spent("sender", "telegram:2", "day", now)).toBe(0);
    expect(recorder.spent("profile", "anthropic:a", "day", now + 86_400_000)).toBe(0);
    await recorder.flush();
    expect(recorder.spent("profile", "anthropic:a", "day", now)).toBeCloseTo(0.34, 10);
    const { rows } = await recorder.query();
    expect(rows.find((r) => r.model === "anthropic/unpriced-model")).toMatchObject({ turns: 1, costUsd: 0, unpricedTurns: 1 });
  });

  it("starts from the stored spend after a restart", async () => {
    const first = setup({ now: () => now });
    first.recorder.listener(turn());
    await first.recorder.close();
    const second = setup({ now: () => now, dir: first.dir });
    await second.recorder.ready();
    expect(second.recorder.spent("sender", "telegram:1", "day", now)).toBeCloseTo(0.34, 10);
  });

  it("sees another process's spend once it re-reads the store", async () => {
    let clock = now;
    const mine = setup({ now: () => clock, refreshMs: 1000 });
    const other = setup({ now: () => clock, dir: mine.dir });
    await mine.recorder.ready();
    other.recorder.listener(turn());
    await other.recorder.close();
    expect(mine.recorder.spent("profile", "anthropic:a", "day", clock)).toBe(0);
    clock += 1000;
    mine.recorder.spent("profile", "anthropic:a", "day", clock); // starts the re-read
    await waitFor(() => mine.recorder.spent("profile", "anthropic:a", "day", clock) > 0.3, { what: "the re-read spend" });
    expect(mine.recorder.spent("profile", "anthropic:a", "day", clock)).toBeCloseTo(0.34, 10);
  });

  it("keeps turns it could not write (a corrupt day), reports that once, and writes them when the day is repaired", async () => {
    const { recorder, store, errors } = setup({ now: () => now });
    await recorder.ready();
    fs.mkdirSync(store.dir, { recursive: true });
    fs.writeFileSync(store.fileFor("2026-12-05"), "{broken");
    recorder.listener(turn());
    await recorder.flush();
    recorder.listener(turn());
    await recorder.flush();
    expect(errors.filter((e) => e.startsWith("flush"))).toHaveLength(1);
    expect(fs.readFileSync(store.fileFor("2026-12-05"), "utf8")).toBe("{broken");
    expect(recorder.spent("profile", "anthropic:a", "day", now)).toBeCloseTo(0.68, 10);
    fs.rmSync(store.fileFor("2026-12-05"));
    await recorder.flush();
    expect((await store.query()).rows[0].turns).toBe(2);
    expect(recorder.spent("profile", "anthropic:a", "day", now)).toBeCloseTo(0.68, 10);
  });

  it("keeps only the current day's and month's spend in memory over a long run", async () => {
    let clock = now;
    const { recorder } = setup({ now: () => clock });
    await recorder.ready();
    recorder.listener(turn());
    await recorder.flush();
    const internals = recorder as unknown as { stored: Map<string, number> };
    expect(internals.stored.size).toBe(4); // profile and sender, day and month
    clock += 86_400_000;
    recorder.listener(turn({ sender: "telegram:2" }));
    await recorder.flush();
    expect([...internals.stored.keys()].map((key) => key.split("\u0000").slice(1))).toEqual(
      expect.arrayContaining([
        ["anthropic:a", "2026-12"],
        ["telegram:1", "2026-12"],
        ["anthropic:a", "2026-12-06"],
        ["telegram:2", "2026-12-06"],
        ["telegram:2", "2026-12"],
      ]),
    );
    expect(internals.stored.size).toBe(5);
    expect(recorder.spent("sender", "telegram:1", "month", clock)).toBeCloseTo(0.34, 10);
  });

  it("prunes days past the retention when it starts", async () => {
    const { recorder, store } = setup({ now: () => now });
    await store.add([{ day: "2025-01-01", agentId: "main", sessionKey: "s", sender: "", model: "m", profileId: "p", inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, turns: 1, costUsd: 0, unpricedTurns: 1 }]);
    await recorder.ready();
    expect((await store.query()).rows).toEqual([]);
  });
});
