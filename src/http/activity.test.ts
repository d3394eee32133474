import { describe, expect, it } from "vitest";
import { Activity } from "./activity.js";

const usage = { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 };
const turn = (sessionKey: string, change: Record<string, unknown> = {}) => ({ type: "turn" as const, agentId: "main", sessionKey, model: "anthropic/claude-opus-4-5", outcome: "ok" as const, durationMs: 10, ...change });

describe("Activity", () => {
  it("keeps the last failovers, newest first, within its bound", () => {
    const activity = new Activity(undefined, { failovers: 3 }, () => 1);
    for (let i = 0; i < 5; i++) activity.record({ type: "failover", agentId: "main", fromProfile: `p${i}`, toProfile: `p${i + 1}`, model: "m" });
    expect(activity.recentFailovers().map((f) => f.fromProfile)).toEqual(["p4", "p3", "p2"]);
  });

  it("lists the sessions with the most recent turns first and forgets the oldest beyond its bound", () => {
    let now = 0;
    const activity = new Activity(undefined, { sessions: 3 }, () => ++now);
    for (const key of ["a", "b", "c", "a", "d"]) activity.record(turn(key));
    expect(activity.recentSessions(10).map((s) => [s.sessionKey, s.turns])).toEqual([["d", 1], ["a", 2], ["c", 1]]);
    expect(activity.recentSessions(2).map((s) => s.sessionKey)).toEqual(["d", "a"]);
    expect(activity.counts()).toEqual({ sessions: 3, turns: 5 });
  });

  it("adds usage per agent and model, with the cost of priced models only", () => {
    const activity = new Activity({ models: { pricing: { "anthropic/custom": { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 } } } });
    activity.record(turn("a", { usage }));
    activity.record(turn("b", { usage }));
    activity.record(turn("c", { usage, model: "anthropic/custom" }));
    activity.record(turn("d", { usage, model: "anthropic/unknown-model" }));
    activity.record(turn("e", { outcome: "error" }));
    const rows = Object.fromEntries(activity.usageSinceStart().map((r) => [r.model, r]));
    expect(rows["anthropic/claude-opus-4-5"]).toMatchObject({ turns: 2, inputTokens: 2000, outputTokens: 200 });
    expect(rows["anthropic/claude-opus-4-5"].costUsd).toBeCloseTo((2000 * 5 + 200 * 25) / 1e6, 12);
    expect(rows["anthropic/custom"].costUsd).toBeCloseTo((1000 * 1 + 100 * 2) / 1e6, 12);
    expect(rows["anthropic/unknown-model"].costUsd).toBeUndefined();
  });
});
