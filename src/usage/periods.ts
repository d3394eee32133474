import { parseDuration } from "../util/duration.js";

/** UTC days and budget periods. Pure. */

export type BudgetPeriod = "day" | "month";

const DAY_MS = 86_400_000;

/** `2026-12-05` (UTC) */
export function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** The period holding `ts`: its id (`2026-12-05` or `2026-12`), start and end (exclusive), UTC. */
export function periodOf(per: BudgetPeriod, ts: number): { id: string; start: number; end: number } {
  const date = new Date(ts);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (per === "day") {
    const start = Date.UTC(year, month, date.getUTCDate());
    return { id: utcDay(start), start, end: start + DAY_MS };
  }
  const start = Date.UTC(year, month, 1);
  return { id: utcDay(start).slice(0, 7), start, end: Date.UTC(year, month + 1, 1) };
}

/** The id of the `per` period a stored day belongs to. */
export function periodIdOfDay(per: BudgetPeriod, day: string): string {
  return per === "day" ? day : day.slice(0, 7);
}

/**
 * The first day `--since` covers, in whole UTC days: `7d` is today and the 6 days before,
 * `1d` / `24h` today; a date `2026-12-01` is that day. Undefined when malformed.
 */
export function sinceDay(text: string, now: number): string | undefined {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const ts = Date.parse(`${trimmed}T00:00:00Z`);
    return Number.isNaN(ts) || utcDay(ts) !== trimmed ? undefined : trimmed;
  }
  const ms = parseDuration(trimmed);
  if (ms === undefined) return undefined;
  const days = Math.max(1, Math.ceil(ms / DAY_MS));
  return utcDay(periodOf("day", now).start - (days - 1) * DAY_MS);
}

/** The day `days` days before `now`'s (for retention). */
export function dayBefore(now: number, days: number): string {
  return utcDay(periodOf("day", now).start - days * DAY_MS);
}
