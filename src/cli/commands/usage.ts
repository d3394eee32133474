import { openStateBackend } from "../../state/backend.js";
import type { UsageAmounts } from "../../state/usage.js";
import { sinceDay, utcDay } from "../../usage/periods.js";
import { costText, costUsdOrNull, groupBy, totalOf, USAGE_DIMENSIONS, type UsageDimension } from "../../usage/report.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { createStyle, table } from "../style.js";
import { runtimeOrReport } from "./load-runtime.js";

/**
 * `baton usage [--json] [--since 7d] [--by agent|profile|sender|model]`: recorded tokens and
 * estimated cost from the configured state backend, in whole UTC days, grouped by one dimension
 * (default: model). Days whose file cannot be read are named on stderr and make the exit code 1.
 */
export interface UsageOptions {
  json?: boolean;
  since?: string;
  by?: string;
}

export async function run(options: UsageOptions, ctx: CliContext): Promise<number> {
  const now = Date.now();
  const by = (options.by ?? "model") as UsageDimension;
  if (!USAGE_DIMENSIONS.includes(by)) {
    ctx.stderr.write(`--by must be one of ${USAGE_DIMENSIONS.join(", ")}.\n`);
    return EXIT.usage;
  }
  const since = options.since === undefined ? undefined : sinceDay(options.since, now);
  if (options.since !== undefined && !since) {
    ctx.stderr.write(`--since takes a duration such as 7d, 24h or 2w, or a day such as 2026-12-01 (got "${options.since}").\n`);
    return EXIT.usage;
  }
  const runtime = await runtimeOrReport(ctx);
  if (!runtime) return EXIT.failure;
  const until = utcDay(now);
  const { rows, unreadable } = await openStateBackend(runtime.config, runtime.paths, runtime.env).usage().query({ from: since });
  for (const day of unreadable) ctx.stderr.write(`Usage of ${day.day} is missing: ${day.location} is unreadable (${day.reason}); it was left untouched.\n`);
  const groups = groupBy(rows, by);
  const total = totalOf(rows);
  if (options.json) {
    printJson(ctx, {
      since: since ?? null,
      until,
      by,
      groups: groups.map(({ key, amounts }) => ({ key, ...amountsJson(amounts) })),
      total: amountsJson(total),
      unreadable: unreadable.map(({ day, location, reason }) => ({ day, file: location, reason })),
    });
  } else {
    const style = createStyle(ctx.color);
    const range = since ? `${since} to ${until}` : `all recorded days to ${until}`;
    ctx.stdout.write(`${style.bold("Usage")} ${range} (UTC), by ${by}; cost is estimated from the price table\n`);
    if (!rows.length) {
      ctx.stdout.write("No usage recorded in that time.\n");
    } else {
      const header = [by.toUpperCase(), "TURNS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "COST"].map((h) => style.dim(h));
      const line = (key: string, a: UsageAmounts) => [key || "-", n(a.turns), n(a.inputTokens), n(a.outputTokens), n(a.cacheReadTokens), n(a.cacheWriteTokens), costText(a)];
      ctx.stdout.write(`${table([header, ...groups.map((g) => line(g.key, g.amounts)), line(style.bold("total"), total)])}\n`);
    }
  }
  return unreadable.length ? EXIT.failure : EXIT.ok;
}

const numberFormat = new Intl.NumberFormat("en-US");
const n = (value: number) => numberFormat.format(value);

function amountsJson(a: UsageAmounts) {
  return {
    turns: a.turns,
    inputTokens: a.inputTokens,
    outputTokens: a.outputTokens,
    cacheReadTokens: a.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens,
    costUsd: costUsdOrNull(a),
    unpricedTurns: a.unpricedTurns,
  };
}
