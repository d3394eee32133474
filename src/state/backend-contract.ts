import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freshStats } from "../auth/cooldown.js";
import { updateAuthStore } from "../auth/store.js";
import { resolvePaths } from "../config/paths.js";
import { PairingGate } from "../pairing/gate.js";
import { approvePairing, MAX_PENDING, revokePairing } from "../pairing/requests.js";
import type { StateBackend } from "./backend.js";
import type { UsageRow } from "./usage.js";

/**
 * What every state backend promises (DESIGN.md §13), run against each one: the file backend in
 * `backends.test.ts`, Redis in `redis/backend.test.ts`. `open` opens a backend over `dir`;
 * opening it again over the same dir is a restart or a second process. `addProfile` stores a
 * credential, which usage stats need to exist.
 */
export interface BackendRow {
  name: string;
  open(dir: string): StateBackend;
  addProfile(dir: string, agentId: string, profileId: string): Promise<void>;
}

/** Stores an API key profile in the agent's auth store under `dir` (profiles stay in the file store with every backend). */
export async function addFileProfile(dir: string, agentId: string, profileId: string): Promise<void> {
  const file = resolvePaths({ BATON_STATE_DIR: dir, HOME: dir }).authStorePath(agentId);
  await updateAuthStore(file, (store) => void (store.profiles[profileId] = { type: "api_key", provider: "anthropic", key: "sk-ant-api03-test" }));
}

const dirs: string[] = [];
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-state-"));
  dirs.push(dir);
  return dir;
}

export function describeBackendContract(backend: BackendRow): void {
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  describe(`${backend.name} backend`, () => {
    describe("sessions", () => {
      it("answers a fresh session for an unknown key, and what was stored after a restart", async () => {
        const dir = tempDir();
        const sessions = backend.open(dir).sessions("main");
        expect(await sessions.get("telegram:dm:1")).toMatchObject({ key: "telegram:dm:1", history: [], usage: { turns: 0, inputTokens: 0 } });
        await sessions.update("telegram:dm:1", (s) => {
          s.modelOverride = "anthropic/claude-haiku-4-5";
          s.history.push({ role: "user", content: "hi", ts: 1, messageId: "7" });
        });
        const restarted = backend.open(dir).sessions("main");
        expect(await restarted.get("telegram:dm:1")).toMatchObject({ modelOverride: "anthropic/claude-haiku-4-5", history: [{ content: "hi", messageId: "7" }] });
        expect((await restarted.get("telegram:dm:2")).history).toEqual([]);
        expect((await backend.open(dir).sessions("work").get("telegram:dm:1")).history).toEqual([]);
      });

      it("runs concurrent updates of one session one after another, and a failed update writes nothing", async () => {
        const sessions = backend.open(tempDir()).sessions("main");
        const appends = Array.from({ length: 20 }, (_, i) => sessions.update("s", (s) => void s.history.push({ role: "user", content: String(i), ts: i })));
        const failing = sessions.update("s", () => {
          throw new Error("refused");
        });
        await expect(failing).rejects.toThrow("refused");
        await Promise.all(appends);
        const stored = await sessions.get("s");
        expect(stored.history.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
        expect(await sessions.update("s", (s) => s.history.length)).toBe(20);
      });
    });

    describe("auth usage", () => {
      it("stores one profile's stats, seen by a second process; an unknown profile is not written", async () => {
        const dir = tempDir();
        await backend.addProfile(dir, "main", "anthropic:a");
        const usage = backend.open(dir).authUsage("main");
        expect(await usage.snapshot()).toEqual({});
        const seen: unknown[] = [];
        const stored = await usage.update("anthropic:a", (current) => {
          seen.push(current);
          return { ...current, cooldownUntil: 123, errorCount: 1 };
        });
        expect(seen[0]).toEqual(freshStats());
        expect(stored).toMatchObject({ cooldownUntil: 123, errorCount: 1 });
        expect((await backend.open(dir).authUsage("main").snapshot())["anthropic:a"]).toMatchObject({ cooldownUntil: 123, errorCount: 1 });
        expect(await usage.update("anthropic:gone", (current) => ({ ...current, errorCount: 9 }))).toBeUndefined();
        expect(Object.keys(await usage.snapshot())).toEqual(["anthropic:a"]);
      });

      it("loses no update when several change one profile at once", async () => {
        const dir = tempDir();
        await backend.addProfile(dir, "main", "anthropic:a");
        const first = backend.open(dir).authUsage("main");
        const second = backend.open(dir).authUsage("main");
        const bump = (current: ReturnType<typeof freshStats>) => ({ ...current, errorCount: current.errorCount + 1 });
        await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second).update("anthropic:a", bump)));
        expect((await first.snapshot())["anthropic:a"].errorCount).toBe(12);
      });
    });

    describe("usage", () => {
      const row = (day: string, over: Partial<UsageRow> = {}): UsageRow => ({
        day,
        agentId: "main",
        sessionKey: "telegram:dm:1",
        sender: "telegram:1",
        model: "anthropic/claude-opus-4-5",
        profileId: "anthropic:a",
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 2,
        cacheWriteTokens: 1,
        turns: 1,
        costUsd: 0.25,
        unpricedTurns: 0,
        ...over,
      });

      it("sums rows of one day and key into one, keeps other keys and days apart, and keeps them over a restart", async () => {
        const dir = tempDir();
        const usage = backend.open(dir).usage();
        expect(await usage.query()).toEqual({ rows: [], unreadable: [] });
        await usage.add([row("2026-12-04"), row("2026-12-05"), row("2026-12-05", { outputTokens: 7, costUsd: 0.5 })]);
        await usage.add([row("2026-12-05", { sender: "telegram:2" }), row("2026-12-05", { model: "openrouter/anthropic/claude-opus-4.5", costUsd: 0, unpricedTurns: 1 })]);
        const { rows, unreadable } = await backend.open(dir).usage().query({ from: "2026-12-05" });
        expect(unreadable).toEqual([]);
        expect(rows).toHaveLength(3);
        expect(rows).toContainEqual(row("2026-12-05", { inputTokens: 20, outputTokens: 12, cacheReadTokens: 4, cacheWriteTokens: 2, turns: 2, costUsd: 0.75 }));
        expect(rows).toContainEqual(row("2026-12-05", { sender: "telegram:2" }));
        expect(rows).toContainEqual(row("2026-12-05", { model: "openrouter/anthropic/claude-opus-4.5", costUsd: 0, unpricedTurns: 1 }));
        expect((await usage.query({ to: "2026-12-04" })).rows).toEqual([row("2026-12-04")]);
      });

      it("loses no turn when several writers add at once", async () => {
        const dir = tempDir();
        const first = backend.open(dir).usage();
        const second = backend.open(dir).usage();
        await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second).add([row("2026-12-05")])));
        expect((await first.query()).rows).toEqual([row("2026-12-05", { inputTokens: 120, outputTokens: 60, cacheReadTokens: 24, cacheWriteTokens: 12, turns: 12, costUsd: 3 })]);
      });

      it("prunes the days before a given day", async () => {
        const usage = backend.open(tempDir()).usage();
        await usage.add([row("2025-01-01"), row("2025-06-30"), row("2026-12-05")]);
        expect(await usage.prune("2025-07-01")).toBe(2);
        expect((await usage.query()).rows.map((r) => r.day)).toEqual(["2026-12-05"]);
        expect(await usage.prune("2025-07-01")).toBe(0);
      });
    });

    describe("pairing", () => {
      it("keeps requests and approvals per channel; another process sees an approval on its next check", async () => {
        const dir = tempDir();
        const first = backend.open(dir);
        const second = backend.open(dir);
        expect(await first.pairing("telegram").read()).toEqual({ version: 1, pending: [], approved: [] });
        expect(await first.pairingChannels()).toEqual([]);
        const gateA = new PairingGate((channel) => first.pairing(channel));
        const gateB = new PairingGate((channel) => second.pairing(channel));
        const issued = await gateA.request("telegram", { userId: "7", name: "Eve" });
        expect(issued.kind).toBe("issued");
        expect(await gateB.request("telegram", { userId: "7" })).toEqual({ ...issued, kind: "existing" });
        expect(await gateB.isApproved("telegram", "7")).toBe(false);
        const approved = await second.pairing("telegram").update((data) => approvePairing(data, (issued as { code: string }).code, Date.now()));
        expect(approved).toMatchObject({ ok: true, sender: { userId: "7", name: "Eve" } });
        expect(await gateA.isApproved("telegram", "7")).toBe(true);
        expect(await gateA.isApproved("discord", "7")).toBe(false);
        await gateA.request("discord", { userId: "8" });
        expect(await backend.open(dir).pairingChannels()).toEqual(["discord", "telegram"]);
        expect(await first.pairing("telegram").update((data) => revokePairing(data, "7"))).toBe(true);
        expect(await gateB.isApproved("telegram", "7")).toBe(false);
        expect(() => first.pairing("../etc")).toThrow(/invalid channel id/);
      });

      it("holds the 3-pending cap and loses no approval when several processes write at once", async () => {
        const dir = tempDir();
        const backends = [backend.open(dir), backend.open(dir)];
        const gates = backends.map((b) => new PairingGate((channel) => b.pairing(channel)));
        const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => gates[i % 2].request("telegram", { userId: `u${i}` })));
        expect(outcomes.filter((o) => o.kind === "issued")).toHaveLength(MAX_PENDING);
        expect(outcomes.filter((o) => o.kind === "full")).toHaveLength(8 - MAX_PENDING);
        expect((await backends[0].pairing("telegram").read()).pending).toHaveLength(MAX_PENDING);
        await Promise.all(
          Array.from({ length: 12 }, (_, i) => backends[i % 2].pairing("telegram").update((data) => void data.approved.push({ userId: `a${i}`, approvedAt: i }))),
        );
        const approved = (await backends[1].pairing("telegram").read()).approved.map((a) => a.userId);
        expect(approved.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}`).sort());
      });
    });

    describe("channel state", () => {
      it("keeps JSON values per channel and key; writes of one key land in call order", async () => {
        const dir = tempDir();
        const telegram = backend.open(dir).channelState("telegram");
        expect(await telegram.get("offset")).toBeUndefined();
        const writes = Array.from({ length: 10 }, (_, i) => telegram.set("offset", { lastUpdateId: i }));
        await Promise.all(writes);
        await telegram.set("pending", [{ update_id: 1, text: "ünïcödé" }]);
        const again = backend.open(dir);
        expect(await again.channelState("telegram").get("offset")).toEqual({ lastUpdateId: 9 });
        expect(await again.channelState("telegram").get("pending")).toEqual([{ update_id: 1, text: "ünïcödé" }]);
        expect(await again.channelState("discord").get("offset")).toBeUndefined();
        await telegram.delete("pending");
        await telegram.delete("never-set");
        expect(await telegram.get("pending")).toBeUndefined();
      });

      it("refuses keys that are not short names and values JSON cannot hold, before touching anything", async () => {
        const dir = tempDir();
        const state = backend.open(dir).channelState("telegram");
        for (const key of ["", "../escape", "a/b", ".hidden", "x".repeat(65)]) {
          await expect(state.set(key, 1)).rejects.toThrow(TypeError);
          await expect(state.get(key)).rejects.toThrow(TypeError);
        }
        await expect(state.set("fn", () => 1)).rejects.toThrow(TypeError);
        expect(await state.get("fn")).toBeUndefined();
      });
    });
  });
}
