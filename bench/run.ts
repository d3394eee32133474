/**
 * Runs every benchmark and ends with a summary of the headline figures. The benches written
 * elsewhere (telegram-delivery.ts, discord-latency.ts, gateway-idle.ts) run as
 * `node --import tsx` children when their files exist; their output passes through as it comes.
 *
 * Run: npx tsx bench/run.ts [--quick] [name ...]
 *   --quick   smaller counts (a smoke run; figures are noisier)
 *   name      only these benches: cli-startup turn-overhead router-throughput memory-soak
 *             metrics-scrape telegram-delivery discord-latency gateway-idle fairness key-capacity
 *             redis-cluster
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { cliStartup } from "./cli-startup.js";
import { formatMs, isMain } from "./helpers.js";
import { keyCapacity } from "./key-capacity.js";
import { printTable, ROOT } from "./lib.js";
import { memorySoak } from "./memory-soak.js";
import { metricsScrape } from "./metrics-scrape.js";
import { redisCluster } from "./redis-cluster.js";
import { routerThroughput } from "./router-throughput.js";
import { turnOverhead } from "./turn-overhead.js";

type SummaryRow = [bench: string, figure: string, value: string];

interface Bench {
  name: string;
  run(quick: boolean): Promise<SummaryRow[]>;
}

/** A bench script owned elsewhere, run as a child process; skipped when its file does not exist. */
function scriptBench(name: string): Bench {
  return {
    name,
    async run() {
      const file = path.join(ROOT, "bench", `${name}.ts`);
      if (!fs.existsSync(file)) return [[name, "not run", "file missing"]];
      console.log(`\n## ${name} (child process)`);
      const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", resolve);
      });
      if (code !== 0) process.exitCode = 1;
      return [[name, "exit code", String(code)]];
    },
  };
}

/** The same turn-overhead measurement through the OpenRouter provider and its fake. */
async function openRouterOverhead(quick: boolean): Promise<SummaryRow[]> {
  const f = await turnOverhead(quick ? 200 : 1_000, 100, { provider: "openrouter" });
  return [
    ["turn-overhead", "OpenRouter: direct openai SDK p50 / p99", `${formatMs(f.direct.p50Ms)} / ${formatMs(f.direct.p99Ms)} ms`],
    ["turn-overhead", "OpenRouter: runTurn p50 / p99", `${formatMs(f.baton.p50Ms)} / ${formatMs(f.baton.p99Ms)} ms`],
    ["turn-overhead", "OpenRouter: overhead p50 / p99 (target p50 < 2 ms)", `${formatMs(f.overhead.p50Ms)} / ${formatMs(f.overhead.p99Ms)} ms`],
  ];
}

/** The same turn-overhead measurement with the state (sessions, auth usage, run lease) in a local redis-server. */
async function redisOverhead(quick: boolean): Promise<SummaryRow[]> {
  const f = await turnOverhead(quick ? 200 : 1_000, 100, { state: "redis" });
  return [["turn-overhead", "state in Redis: overhead p50 / p99 (target p50 < 2 ms)", `${formatMs(f.overhead.p50Ms)} / ${formatMs(f.overhead.p99Ms)} ms`]];
}

const BENCHES: Bench[] = [
  {
    name: "cli-startup",
    async run(quick) {
      return cliStartup(quick ? 5 : 15).map((f): SummaryRow => ["cli-startup", `${f.label} median`, `${f.medianMs.toFixed(1)} ms`]);
    },
  },
  {
    name: "turn-overhead",
    async run(quick) {
      const f = await turnOverhead(quick ? 200 : 1_000);
      return [
        ["turn-overhead", "direct SDK p50 / p99", `${formatMs(f.direct.p50Ms)} / ${formatMs(f.direct.p99Ms)} ms`],
        ["turn-overhead", "runTurn p50 / p99", `${formatMs(f.baton.p50Ms)} / ${formatMs(f.baton.p99Ms)} ms`],
        ["turn-overhead", "overhead p50 / p99 (target p50 < 2 ms)", `${formatMs(f.overhead.p50Ms)} / ${formatMs(f.overhead.p99Ms)} ms`],
        ...(await openRouterOverhead(quick)),
        ...(await redisOverhead(quick)),
      ];
    },
  },
  {
    name: "router-throughput",
    async run(quick) {
      const figures = await routerThroughput(quick ? 2_000 : 10_000, quick ? 200 : 1_000);
      return figures.map((f): SummaryRow => [
        "router-throughput",
        `msgs/s, µs/msg (${f.messages} msgs, ${f.sessions} sessions; ${f.variant})`,
        `${f.messagesPerSecond.toFixed(0)}, ${f.usPerMessage.toFixed(0)} µs`,
      ]);
    },
  },
  {
    name: "memory-soak",
    async run(quick) {
      const f = await memorySoak(quick ? 2_000 : 10_000, quick ? 200 : 1_000);
      const [, firstHalf, end] = f.samples;
      return [
        ["memory-soak", `RSS after ${firstHalf.messages} / ${end.messages} msgs`, `${firstHalf.rssMb.toFixed(1)} / ${end.rssMb.toFixed(1)} MB`],
        ["memory-soak", "second-half RSS growth (target < 10 %)", `${f.secondHalfRssGrowthPct.toFixed(1)} %`],
      ];
    },
  },
  {
    name: "key-capacity",
    async run() {
      const figures = await keyCapacity();
      return figures.map((f): SummaryRow => [
        "key-capacity",
        `3 keys × 20 req / 3 s, burst of ${f.turns}: served in window, 429s (headers ${f.variant === "headers" ? "read" : "off"})`,
        `${f.servedInWindow} / ${f.capacity} (${(f.shareOfCapacity * 100).toFixed(0)} %), ${f.rateLimited429} × 429`,
      ]);
    },
  },
  {
    name: "metrics-scrape",
    async run(quick) {
      const f = await metricsScrape(quick ? 100 : 300);
      return [
        ["metrics-scrape", `/metrics p50 / p99 (${f.sessions} sessions, ${f.profiles} profiles; target p50 < 20 ms)`, `${formatMs(f.metrics.p50Ms)} / ${formatMs(f.metrics.p99Ms)} ms`],
        ["metrics-scrape", "in-process render p50 / p99 (no HTTP)", `${formatMs(f.render.p50Ms)} / ${formatMs(f.render.p99Ms)} ms`],
        ["metrics-scrape", "status page p50 / p99", `${formatMs(f.page.p50Ms)} / ${formatMs(f.page.p99Ms)} ms`],
      ];
    },
  },
  {
    name: "redis-cluster",
    async run(quick) {
      const f = await redisCluster(quick ? 100 : 500, quick ? 2 : 5);
      return [
        ["redis-cluster", `cooldown A→B visible p50 / p99 (${f.visibility.samples} writes; target p99 < 100 ms)`, `${f.visibility.p50Ms.toFixed(2)} / ${f.visibility.p99Ms.toFixed(2)} ms`],
        ["redis-cluster", `Telegram holder SIGKILL → answered p50 / max (${f.failover.runs} runs, lease TTL ${f.failover.leaseTtlMs} ms)`, `${(f.failover.p50Ms / 1000).toFixed(2)} / ${(f.failover.maxMs / 1000).toFixed(2)} s`],
      ];
    },
  },
  scriptBench("telegram-delivery"),
  scriptBench("discord-latency"),
  scriptBench("gateway-idle"),
  scriptBench("fairness"),
];

export async function runAll(options: { quick?: boolean; only?: string[] } = {}): Promise<SummaryRow[]> {
  const unknown = (options.only ?? []).filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length) throw new Error(`unknown bench: ${unknown.join(", ")} (known: ${BENCHES.map((b) => b.name).join(", ")})`);
  const selected = options.only?.length ? BENCHES.filter((b) => options.only!.includes(b.name)) : BENCHES;
  const rows: SummaryRow[] = [];
  for (const bench of selected) {
    try {
      rows.push(...(await bench.run(Boolean(options.quick))));
    } catch (err) {
      console.error(`${bench.name} failed:`, err);
      rows.push([bench.name, "failed", err instanceof Error ? err.message.split("\n")[0] : String(err)]);
      process.exitCode = 1;
    }
  }
  printTable(`Summary${options.quick ? " (--quick)" : ""}`, ["bench", "figure", "value"], rows);
  return rows;
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  await runAll({ quick: args.includes("--quick"), only: args.filter((a) => !a.startsWith("--")) }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
