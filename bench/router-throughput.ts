/**
 * Router throughput (issue 5): messages per second through router -> session queue -> agent
 * runtime (real credential resolver and session store on a temp dir) -> an in-process provider
 * that answers at once -> a "plain" channel. Messages go round-robin over the sessions as fast
 * as the router accepts them; the clock stops when the last reply is delivered. A second run
 * skips the resolver's auth-store write after each success, to show that write's share.
 *
 * Run: npx tsx bench/router-throughput.ts [messages] [sessions]
 */
import os from "node:os";
import { assertPipelineHealthy, createInProcessPipeline, dispatchRoundRobin, isMain } from "./helpers.js";
import { printTable } from "./lib.js";

export interface RouterThroughputFigures {
  variant: string;
  messages: number;
  sessions: number;
  concurrency: number;
  totalMs: number;
  messagesPerSecond: number;
  /** Wall time per message over the whole run (µs). */
  usPerMessage: number;
  /** Time `handle` takes to accept a message (access, session key, enqueue) (µs). */
  acceptUsPerMessage: number;
  dropped: number;
}

const VARIANTS = [
  { variant: "full turn path", skipSuccessWrites: false },
  { variant: "same, reportSuccess write skipped", skipSuccessWrites: true },
];

async function measure(variant: string, skipSuccessWrites: boolean, messages: number, sessions: number): Promise<RouterThroughputFigures> {
  const pipeline = await createInProcessPipeline({ skipSuccessWrites });
  try {
    // Warm-up on other sessions: module loading, the resolver's first read, JIT.
    const warmup = Math.min(500, messages);
    await dispatchRoundRobin(pipeline, { count: warmup, sessions: Math.min(100, sessions), firstSeq: 0, firstSession: sessions });
    assertPipelineHealthy(pipeline, warmup);

    const run = await dispatchRoundRobin(pipeline, { count: messages, sessions, firstSeq: warmup });
    assertPipelineHealthy(pipeline, warmup + run.queued);
    return {
      variant,
      messages,
      sessions,
      concurrency: pipeline.bench.runtime.config.gateway?.concurrency ?? 8,
      totalMs: run.totalMs,
      messagesPerSecond: (run.queued / run.totalMs) * 1000,
      usPerMessage: (run.totalMs * 1000) / messages,
      acceptUsPerMessage: (run.acceptMs * 1000) / messages,
      dropped: run.dropped,
    };
  } finally {
    pipeline.router.queue.stopAll();
    pipeline.bench.cleanup();
  }
}

/**
 * The full path, then (unless `fullPathOnly`) the same with the resolver's per-success
 * auth-store write skipped. Returns one figure per variant, the full path first.
 */
export async function routerThroughput(messages = 10_000, sessions = 1_000, options: { fullPathOnly?: boolean } = {}): Promise<RouterThroughputFigures[]> {
  const figures: RouterThroughputFigures[] = [];
  for (const { variant, skipSuccessWrites } of options.fullPathOnly ? VARIANTS.slice(0, 1) : VARIANTS) {
    figures.push(await measure(variant, skipSuccessWrites, messages, sessions));
  }
  printTable(
    `Router throughput: ${messages} messages over ${sessions} sessions, instant in-process provider (${os.cpus().length} cores, Node ${process.version})`,
    ["variant", "concurrency", "total s", "msgs/s", "µs/msg", "accept µs/msg", "dropped"],
    figures.map((f) => [
      f.variant,
      f.concurrency,
      (f.totalMs / 1000).toFixed(2),
      f.messagesPerSecond.toFixed(0),
      f.usPerMessage.toFixed(0),
      f.acceptUsPerMessage.toFixed(1),
      f.dropped,
    ]),
  );
  return figures;
}

if (isMain(import.meta.url)) {
  await routerThroughput(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 1_000));
}
