import { describe, expect, it } from "vitest";
import { emptyAmounts, type UsageRow } from "../state/usage.js";
import { amountsLine, costText, costUsdOrNull, groupBy, totalOf } from "./report.js";

const row = (over: Partial<UsageRow>): UsageRow => ({
  day: "2026-12-05",
  agentId: "main",
  sessionKey: "s",
  sender: "telegram:1",
  model: "anthropic/claude-opus-4-5",
  profileId: "anthropic:a",
  ...emptyAmounts(),
  turns: 1,
  ...over,
});

describe("usage report", () => {
  it.each([
    [{ turns: 0, costUsd: 0, unpricedTurns: 0 }, "$0.0000", 0],
    [{ turns: 2, costUsd: 0.01234, unpricedTurns: 0 }, "$0.0123", 0.01234],
    [{ turns: 2, costUsd: 0, unpricedTurns: 2 }, "unknown cost", null],
    [{ turns: 3, costUsd: 1.5, unpricedTurns: 1 }, "$1.50 + unknown (1 turn on unpriced models)", 1.5],
    [{ turns: 5, costUsd: 12.5, unpricedTurns: 2 }, "$12.50 + unknown (2 turns on unpriced models)", 12.5],
  ])("%o costs %s", (over, text, json) => {
    const amounts = { ...emptyAmounts(), ...over };
    expect(costText(amounts)).toBe(text);
    expect(costUsdOrNull(amounts)).toBe(json);
  });

  it("groups by a dimension, most expensive first, days in order", () => {
    const rows = [
      row({ model: "a", costUsd: 1, day: "2026-12-05" }),
      row({ model: "b", costUsd: 3, day: "2026-12-04" }),
      row({ model: "a", costUsd: 1, sender: "telegram:2", day: "2026-12-04" }),
    ];
    expect(groupBy(rows, "model").map((g) => [g.key, g.amounts.costUsd, g.amounts.turns])).toEqual([
      ["b", 3, 1],
      ["a", 2, 2],
    ]);
    expect(groupBy(rows, "day").map((g) => g.key)).toEqual(["2026-12-04", "2026-12-05"]);
    expect(groupBy(rows, "sender").map((g) => g.key)).toEqual(["telegram:1", "telegram:2"]);
    expect(totalOf(rows)).toMatchObject({ turns: 3, costUsd: 5 });
  });

  it("writes one line with thousands separators", () => {
    expect(amountsLine({ ...emptyAmounts(), turns: 1, inputTokens: 12345, outputTokens: 6, cacheReadTokens: 1000, cacheWriteTokens: 0, costUsd: 0.5 })).toBe(
      "1 turn · 12,345 in · 6 out · cache 1,000 read / 0 written · $0.5000",
    );
  });
});
