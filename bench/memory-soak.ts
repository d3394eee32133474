/**
 * Memory soak (issue 8): RSS and heap of the in-process pipeline of router-throughput.ts
 * (router, session queue, real resolver and session store, instant provider) after 5,000 and
 * after 10,000 messages round-robin over 1,000 sessions, and how much the second half added.
 * Samples are taken once every turn has finished, after forced garbage collection: the
 * measurement runs in a child `node --expose-gc --import tsx` (started by `memorySoak`).
 *
 * Run: npx tsx bench/memory-soak.ts [messages] [sessions]
 */
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { sessionKeysFor } from "../src/sessions/keys.js";
import { assertPipelineHealthy, benchDm, createInProcessPipeline, dispatchRoundRobin, isMain } from "./helpers.js";
import { printTable, ROOT } from "./lib.js";

export interface MemorySample {
  label: string;
  messages: number;
  rssMb: number;
  heapUsedMb: number;
}

export interface MemorySoakFigures {
  messages: number;
  sessions: number;
  /** Whether the samples were taken after `global.gc()`. */
  gc: boolean;
  samples: MemorySample[];
  /** (RSS after all messages - RSS after the first half) / RSS after the first half, in %. */
  secondHalfRssGrowthPct: number;
  secondHalfHeapGrowthPct: number;
  /** Stored history of one session after each half (user + assistant messages, capped by the agent's history window). */
  historyPerSession: { afterFirstHalf: number; afterSecondHalf: number; cap: number };
}

const CHILD_MARKER = "BATON_MEMORY_SOAK_FIGURES ";
const MB = 1024 * 1024;

async function sample(label: string, messages: number): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    // Twice with a turn between: finalizers and weak callbacks queued by the first run free more.
    gc();
    await nextTurn();
    gc();
  }
  const usage = process.memoryUsage();
  return { label, messages, rssMb: usage.rss / MB, heapUsedMb: usage.heapUsed / MB };
}

/** The soak in this process (gc only when it runs with --expose-gc). */
export async function memorySoakInProcess(messages = 10_000, sessions = 1_000): Promise<MemorySoakFigures> {
  const pipeline = await createInProcessPipeline();
  const half = Math.floor(messages / 2);
  const firstSessionKey = sessionKeysFor(benchDm(0, 0)).key;
  const storedHistory = async () => (await pipeline.agents.sessions("main").get(firstSessionKey)).history.length;
  try {
    const samples = [await sample("before any message", 0)];
    const first = await dispatchRoundRobin(pipeline, { count: half, sessions, firstSeq: 0 });
    assertPipelineHealthy(pipeline, first.queued);
    samples.push(await sample("after first half", half));
    const afterFirstHalf = await storedHistory();
    const second = await dispatchRoundRobin(pipeline, { count: messages - half, sessions, firstSeq: half });
    assertPipelineHealthy(pipeline, first.queued + second.queued);
    if (first.dropped || second.dropped) throw new Error(`${first.dropped + second.dropped} messages were dropped by the queue`);
    samples.push(await sample("after second half", messages));
    const growth = (key: "rssMb" | "heapUsedMb") => ((samples[2][key] - samples[1][key]) / samples[1][key]) * 100;

    return {
      messages,
      sessions,
      gc: typeof (globalThis as { gc?: unknown }).gc === "function",
      samples,
      secondHalfRssGrowthPct: growth("rssMb"),
      secondHalfHeapGrowthPct: growth("heapUsedMb"),
      historyPerSession: { afterFirstHalf, afterSecondHalf: await storedHistory(), cap: pipeline.agents.settings("main").history.maxMessages },
    };
  } finally {
    pipeline.router.queue.stopAll();
    pipeline.bench.cleanup();
  }
}

/** Runs the soak in a fresh child process with `--expose-gc`, so earlier benchmarks' heap does not count. */
export async function memorySoak(messages = 10_000, sessions = 1_000): Promise<MemorySoakFigures> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", path.join(ROOT, "bench", "memory-soak.ts"), String(messages), String(sessions)], {
    cwd: ROOT,
    env: { ...process.env, BATON_MEMORY_SOAK_CHILD: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const line = output.split("\n").find((l) => l.startsWith(CHILD_MARKER));
  if (code !== 0 || !line) throw new Error(`memory soak child exited ${code}: ${output.trim()}`);
  const figures = JSON.parse(line.slice(CHILD_MARKER.length)) as MemorySoakFigures;
  printMemorySoak(figures);
  return figures;
}

export function printMemorySoak(figures: MemorySoakFigures): void {
  printTable(
    `Memory soak: ${figures.messages} messages over ${figures.sessions} sessions, instant in-process provider, ${figures.gc ? "after global.gc()" : "no forced gc"} (${os.cpus().length} cores, Node ${process.version})`,
    ["sample", "messages", "RSS MB", "heap used MB"],
    [
      ...figures.samples.map((s) => [s.label, s.messages, s.rssMb.toFixed(1), s.heapUsedMb.toFixed(1)]),
      ["growth in second half", "", `${figures.secondHalfRssGrowthPct.toFixed(1)} %`, `${figures.secondHalfHeapGrowthPct.toFixed(1)} %`],
    ],
  );
  const { afterFirstHalf, afterSecondHalf, cap } = figures.historyPerSession;
  console.log(
    `(each session's stored history grew from ${afterFirstHalf} to ${afterSecondHalf} messages in the second half, by design: the window holds up to ${cap}; the session cache keeps every session)`,
  );
}

if (isMain(import.meta.url)) {
  const messages = Number(process.argv[2] ?? 10_000);
  const sessions = Number(process.argv[3] ?? 1_000);
  if (process.env.BATON_MEMORY_SOAK_CHILD === "1") {
    console.log(CHILD_MARKER + JSON.stringify(await memorySoakInProcess(messages, sessions)));
  } else {
    await memorySoak(messages, sessions);
  }
}
