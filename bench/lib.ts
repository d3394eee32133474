import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), "..");
export const BATON = path.join(ROOT, "bin", "baton");

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export interface CommandFigure {
  label: string;
  medianMs: number;
  peakRssMb: number;
}

/** Runs a command `runs` times (after one warm-up) and reports median wall time and peak RSS. */
export function measureCommand(label: string, command: string, args: string[], env: NodeJS.ProcessEnv, runs = 15): CommandFigure {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "baton-bench-")), "rss");
  const hook = path.join(ROOT, "bench", "rss-hook.cjs");
  const childEnv = { ...env, NODE_OPTIONS: `--require ${hook}`, BENCH_RSS_FILE: rssFile };
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0 && result.status !== 2) throw new Error(`${label} exited ${result.status}: ${result.stderr}`);
    if (i > 0) times.push(ms);
  }
  const rss = fs.readFileSync(rssFile, "utf8").trim().split("\n").map(Number);
  fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
  return { label, medianMs: median(times), peakRssMb: Math.max(...rss) / 1024 };
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  console.log(`\n## ${title}`);
  for (const row of all) console.log(row.map((c, i) => c.padEnd(widths[i])).join("  "));
}
