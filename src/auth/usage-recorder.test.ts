import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { AuthUsageRepository } from "../state/auth-usage.js";
import { FileAuthUsage } from "../state/file/auth-usage.js";
import { applyFailure, DEFAULT_COOLDOWN_POLICY, freshStats } from "./cooldown.js";
import { readAuthStore, updateAuthStore } from "./store.js";
import { failureRecord, LAST_USED_FLUSH_MS, successRecord, UsageRecorder } from "./usage-recorder.js";
import type { FailureClass } from "./types.js";

const NOW = 1_800_000_000_000;
const MODEL = "claude-opus-4-5";
const KEY = `sk-ant-api03-${"a".repeat(60)}AAAA`;

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function recorder() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-usage-"));
  const file = path.join(dir, "auth-profiles.json");
  await updateAuthStore(file, (store) => void (store.profiles["anthropic:a"] = { type: "api_key", provider: "anthropic", key: KEY }));
  const clock = { now: NOW };
  return { file, clock, usage: new UsageRecorder(new FileAuthUsage(file), DEFAULT_COOLDOWN_POLICY, () => clock.now) };
}

describe("UsageRecorder", () => {
  it("writes a clean success's lastUsed at most every 30 s, while this process decides on it at once", async () => {
    const { file, clock, usage } = await recorder();
    await usage.recordSuccess("anthropic:a", MODEL);
    expect((await readAuthStore(file)).usageStats["anthropic:a"].lastUsed).toBe(NOW);
    const written = fs.statSync(file).mtimeMs;
    clock.now += 10_000;
    await usage.recordSuccess("anthropic:a", MODEL);
    expect(fs.statSync(file).mtimeMs).toBe(written);
    expect((await readAuthStore(file)).usageStats["anthropic:a"].lastUsed).toBe(NOW);
    expect((await usage.snapshot())["anthropic:a"].lastUsed).toBe(NOW + 10_000);
    clock.now = NOW + LAST_USED_FLUSH_MS;
    await usage.recordSuccess("anthropic:a", MODEL);
    expect((await readAuthStore(file)).usageStats["anthropic:a"].lastUsed).toBe(NOW + LAST_USED_FLUSH_MS);
  });

  it("a success clears a failure recorded before its call started, and keeps one recorded while it was in flight", async () => {
    const { file, clock, usage } = await recorder();
    await usage.recordFailure("anthropic:a", MODEL, { failureClass: "rate_limit", retryAfterMs: 60_000, message: `429 for ${KEY}` });
    const stored = (await readAuthStore(file)).usageStats["anthropic:a"];
    expect(stored.modelCooldowns[MODEL]).toMatchObject({ until: NOW + 60_000 });
    expect(stored.lastFailure).toMatchObject({ failureClass: "rate_limit", model: MODEL, at: NOW });
    expect(stored.lastFailure?.message).not.toContain(KEY);

    clock.now += 1_000;
    await usage.recordSuccess("anthropic:a", MODEL, NOW - 500);
    expect((await readAuthStore(file)).usageStats["anthropic:a"]).toMatchObject({ modelCooldowns: { [MODEL]: { until: NOW + 60_000 } }, lastFailure: { at: NOW } });
    await usage.recordSuccess("anthropic:a", MODEL, NOW + 500);
    const cleared = (await readAuthStore(file)).usageStats["anthropic:a"];
    expect(cleared.modelCooldowns).toEqual({});
    expect(cleared.lastFailure).toBeUndefined();
  });

  it("keeps environment credentials' stats in this process only", async () => {
    const { file, usage } = await recorder();
    await usage.recordFailure("env:ANTHROPIC_API_KEY", MODEL, { failureClass: "auth" });
    expect((await usage.snapshot())["env:ANTHROPIC_API_KEY"].cooldownUntil).toBe(NOW + 30_000);
    expect(Object.keys((await readAuthStore(file)).usageStats)).toEqual([]);
    await usage.recordSuccess("env:ANTHROPIC_API_KEY", MODEL);
    expect((await usage.snapshot())["env:ANTHROPIC_API_KEY"].cooldownUntil).toBe(0);
  });

  it("records nothing for a profile whose credential was removed", async () => {
    const { file, usage } = await recorder();
    await usage.recordFailure("anthropic:gone", MODEL, { failureClass: "auth" });
    await usage.recordSuccess("anthropic:gone", MODEL);
    expect(Object.keys((await readAuthStore(file)).usageStats)).toEqual([]);
  });
});

describe("UsageRecorder: a failure whose write has not landed", () => {
  /** The file backend, with each update held (before or after it writes) until `land()`. */
  async function heldRecorder(holdAfterWrite: boolean) {
    const { file, clock } = await recorder();
    const files = new FileAuthUsage(file);
    let land!: () => void;
    const held = new Promise<void>((resolve) => (land = resolve));
    const repository: AuthUsageRepository = {
      snapshot: () => files.snapshot(),
      async update(profileId, change) {
        if (!holdAfterWrite) await held;
        const written = await files.update(profileId, change);
        if (holdAfterWrite) await held;
        return written;
      },
    };
    return { file, land, usage: new UsageRecorder(repository, DEFAULT_COOLDOWN_POLICY, () => clock.now) };
  }

  it("already cools the (profile, model) down for this process's decisions while the store write waits", async () => {
    const { file, land, usage } = await heldRecorder(false);
    const recording = usage.recordFailure("anthropic:a", MODEL, { failureClass: "timeout", message: "socket hang up" });
    expect((await usage.snapshot())["anthropic:a"].modelCooldowns[MODEL]).toMatchObject({ until: NOW + 30_000, reason: "timeout" });
    expect((await readAuthStore(file)).usageStats["anthropic:a"]?.modelCooldowns?.[MODEL]).toBeUndefined();
    land();
    await recording;
    expect((await readAuthStore(file)).usageStats["anthropic:a"].modelCooldowns[MODEL]).toMatchObject({ until: NOW + 30_000 });
    expect((await usage.snapshot())["anthropic:a"].failureCounts).toEqual({ timeout: 1 });
  });

  it("does not count a failure twice once its write has landed", async () => {
    const { file, land, usage } = await heldRecorder(true);
    const recording = usage.recordFailure("anthropic:a", MODEL, { failureClass: "auth" });
    for (let i = 0; i < 500 && !(await readAuthStore(file)).usageStats["anthropic:a"]?.failureCounts.auth; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    // written, its update not resolved yet: the ladder's first step, not the second
    expect((await usage.snapshot())["anthropic:a"]).toMatchObject({ failureCounts: { auth: 1 }, cooldownUntil: NOW + 30_000 });
    land();
    await recording;
  });
});

describe("successRecord / failureRecord", () => {
  const failureClass = fc.constantFrom<FailureClass>("auth", "rate_limit", "overloaded", "billing", "timeout");
  it("a success never lifts a failure recorded after its call started, and always lifts the ones before", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.integer({ min: 0, max: 100_000 }), failureClass, model: fc.constantFrom(MODEL, "claude-haiku-4-5") }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 100_000 }), (failures, startedAt) => {
        const ordered = [...failures].sort((a, b) => a.at - b.at);
        let stats = freshStats();
        for (const f of ordered) stats = failureRecord(stats, f.model, { failureClass: f.failureClass, message: "the service is overloaded; ".repeat(20) }, NOW + f.at, DEFAULT_COOLDOWN_POLICY);
        expect(stats.lastFailure?.message).toHaveLength(300);
        const end = NOW + Math.max(startedAt, ordered.at(-1)!.at) + 1;
        const after = successRecord(stats, MODEL, end, NOW + startedAt);
        const later = ordered.filter((f) => f.at > startedAt);
        // the profile-wide state survives exactly when some failure came in during the call
        expect(after.errorCount > 0).toBe(later.length > 0);
        expect(after.lastFailure !== undefined).toBe(later.length > 0);
        const laterOnModel = later.some((f) => f.model === MODEL && f.failureClass !== "auth" && f.failureClass !== "billing");
        expect(MODEL in after.modelCooldowns).toBe(laterOnModel);
        expect(after.cooldownUntil).toBe(later.length ? stats.cooldownUntil : 0);
        expect(after.disabledUntil).toBe(later.length ? stats.disabledUntil : 0);
        expect(after.lastUsed).toBe(end);
      }),
      { numRuns: 500 },
    );
  });

  it("failureRecord is the cooldown policy's result plus the failure itself", () => {
    const base = failureRecord(freshStats(), MODEL, { failureClass: "billing" }, NOW, DEFAULT_COOLDOWN_POLICY);
    const { lastFailure, ...rest } = base;
    expect(rest).toEqual(applyFailure(freshStats(), { failureClass: "billing", model: MODEL }, NOW, DEFAULT_COOLDOWN_POLICY));
    expect(lastFailure).toEqual({ failureClass: "billing", model: MODEL, at: NOW });
  });
});
