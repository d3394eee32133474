import type { Settlement } from "../plugin-api.js";

/**
 * What the slot-holding part of a job ends with: a settlement, or the work left to do outside
 * the concurrency slot (sending a long reply), still as this session's one run.
 */
export type JobStep = Settlement | { deliver: () => Promise<Settlement> };

export interface QueueJob {
  /** The part that holds a concurrency slot: the model call. */
  run(signal: AbortSignal): Promise<JobStep>;
}

export type EnqueueResult = { accepted: true; position: number; done: Promise<Settlement> } | { accepted: false; reason: "full" };

interface Lane {
  running?: AbortController;
  pending: { job: QueueJob; resolve: (settlement: Settlement) => void; reject: (err: unknown) => void }[];
}

/**
 * Runs at most `limit` tasks at once, the rest in arrival order. (Bottleneck, which the platform
 * limiters use, spends ~2 ms scheduling each job; router throughput went from ~440 to ~2,100
 * messages/s with this instead — bench/router-throughput.ts.)
 */
class ConcurrencyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // a finishing task hands over its slot
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * One run at a time per session, a bounded wait line per session, and runs of different
 * sessions in parallel up to `concurrency`. `stop` aborts a session's run.
 *
 * A run may hand back a `deliver` step: it runs after the concurrency slot is released, so a
 * chat receiving a 20-part reply at the platform's pace does not keep a quiet chat waiting for
 * a slot (the session itself stays busy until its reply is out, and `/stop` still aborts it).
 */
export class SessionQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly gate: ConcurrencyGate;
  private readonly drainWaiters = new Set<() => void>();

  constructor(private readonly options: { concurrency: number; maxPending: number }) {
    this.gate = new ConcurrencyGate(options.concurrency);
  }

  /** Queues a job; refused when the session already has `maxPending` jobs waiting. */
  enqueue(sessionKey: string, job: QueueJob): EnqueueResult {
    const lane = this.lanes.get(sessionKey) ?? { pending: [] };
    this.lanes.set(sessionKey, lane);
    if (lane.pending.length >= this.options.maxPending) return { accepted: false, reason: "full" };
    const done = new Promise<Settlement>((resolve, reject) => lane.pending.push({ job, resolve, reject }));
    const position = lane.pending.length + (lane.running ? 1 : 0);
    if (!lane.running) this.pump(sessionKey, lane);
    return { accepted: true, position, done };
  }

  isBusy(sessionKey: string): boolean {
    return Boolean(this.lanes.get(sessionKey)?.running);
  }

  /**
   * Aborts the running job and drops waiting ones; returns how many were running/waiting.
   * Dropped jobs settle as `done` for a user's /stop, `abandoned` for a shutdown.
   */
  stop(sessionKey: string, settlement: Settlement = "done"): { aborted: boolean; dropped: number } {
    const lane = this.lanes.get(sessionKey);
    if (!lane) return { aborted: false, dropped: 0 };
    const dropped = lane.pending.splice(0);
    for (const entry of dropped) entry.resolve(settlement);
    const aborted = Boolean(lane.running);
    lane.running?.abort();
    return { aborted, dropped: dropped.length };
  }

  private pump(sessionKey: string, lane: Lane): void {
    const entry = lane.pending.shift();
    if (!entry) {
      this.lanes.delete(sessionKey);
      if (this.lanes.size === 0) for (const notify of this.drainWaiters) notify();
      return;
    }
    const controller = new AbortController();
    lane.running = controller;
    this.gate
      .run(() => (controller.signal.aborted ? Promise.resolve<JobStep>("abandoned") : entry.job.run(controller.signal)))
      .then((step) => (typeof step === "string" ? step : step.deliver()))
      .then(entry.resolve, entry.reject)
      .finally(() => {
        lane.running = undefined;
        this.pump(sessionKey, lane);
      });
  }

  /** Shutdown: aborts every run and abandons every waiting job. */
  stopAll(): void {
    for (const key of [...this.lanes.keys()]) this.stop(key, "abandoned");
  }

  /** Waits until nothing runs or waits, or `timeoutMs` passes (default: no limit); true when drained. */
  async drainFor(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.lanes.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    let onDrained: (() => void) | undefined;
    const drained = new Promise<boolean>((resolve) => {
      onDrained = () => resolve(true);
      this.drainWaiters.add(onDrained);
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(this.lanes.size === 0), timeoutMs);
    });
    try {
      return await drained;
    } finally {
      clearTimeout(timer);
      this.drainWaiters.delete(onDrained!);
    }
  }
}
