import { addAmounts, emptyAmounts, type UsageAmounts, type UsageRow } from "../state/usage.js";
import { formatUsd } from "./budgets.js";

/** Sums, groupings and the words for usage rows (`/usage`, `baton usage`). Pure. */

export const USAGE_DIMENSIONS = ["agent", "profile", "sender", "model", "session", "day"] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export function totalOf(rows: Iterable<UsageRow>): UsageAmounts {
  const total = emptyAmounts();
  for (const row of rows) addAmounts(total, row);
  return total;
}

function keyOf(row: UsageRow, by: UsageDimension): string {
  switch (by) {
    case "agent":
      return row.agentId;
    case "profile":
      return row.profileId;
    case "sender":
      return row.sender;
    case "model":
      return row.model;
    case "session":
      return row.sessionKey;
    case "day":
      return row.day;
  }
}

/** Totals per value of `by`, most expensive first (then most tokens, then by name); days in order. */
export function groupBy(rows: Iterable<UsageRow>, by: UsageDimension): { key: string; amounts: UsageAmounts }[] {
  const groups = new Map<string, UsageAmounts>();
  for (const row of rows) {
    const key = keyOf(row, by);
    addAmounts(groups.get(key) ?? groups.set(key, emptyAmounts()).get(key)!, row);
  }
  const list = [...groups].map(([key, amounts]) => ({ key, amounts }));
  if (by === "day") return list.sort((a, b) => a.key.localeCompare(b.key));
  const tokens = (a: UsageAmounts) => a.inputTokens + a.outputTokens + a.cacheReadTokens + a.cacheWriteTokens;
  return list.sort((a, b) => b.amounts.costUsd - a.amounts.costUsd || tokens(b.amounts) - tokens(a.amounts) || a.key.localeCompare(b.key));
}

/**
 * The cost as users read it: `$0.0123`; `unknown cost` when no turn had a price; `$0.0123 +
 * unknown (2 turns on unpriced models)` when some had none. Never a made-up $0.
 */
export function costText(amounts: UsageAmounts): string {
  if (amounts.turns > 0 && amounts.unpricedTurns >= amounts.turns) return "unknown cost";
  const known = formatUsd(amounts.costUsd);
  if (!amounts.unpricedTurns) return known;
  return `${known} + unknown (${amounts.unpricedTurns} turn${amounts.unpricedTurns === 1 ? "" : "s"} on unpriced models)`;
}

/** The known part of the cost for JSON: null when no turn had a price. */
export function costUsdOrNull(amounts: UsageAmounts): number | null {
  return amounts.turns > 0 && amounts.unpricedTurns >= amounts.turns ? null : roundUsd(amounts.costUsd);
}

/** Cost rounded to a millionth of a dollar (float sums carry noise below that). */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

const number = new Intl.NumberFormat("en-US");

/** `3 turns · 1,234 in · 56 out · cache 0 read / 120 written · $0.0123` */
export function amountsLine(amounts: UsageAmounts): string {
  return [
    `${number.format(amounts.turns)} turn${amounts.turns === 1 ? "" : "s"}`,
    `${number.format(amounts.inputTokens)} in`,
    `${number.format(amounts.outputTokens)} out`,
    `cache ${number.format(amounts.cacheReadTokens)} read / ${number.format(amounts.cacheWriteTokens)} written`,
    costText(amounts),
  ].join(" · ");
}
