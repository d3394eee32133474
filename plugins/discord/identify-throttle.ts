import { setTimeout as sleep } from "node:timers/promises";

/**
 * Spaces IDENTIFYs `intervalMs` apart (Discord allows one per 5 s per concurrency bucket;
 * discord.js's own throttler enforces exactly that and is used unless the plugin is given
 * `identifyIntervalMs`, which tests shorten against the fake). Waiting ends with `signal`.
 */
export class IntervalIdentifyThrottler {
  #nextAt = 0;

  constructor(private readonly intervalMs: number) {}

  async waitForIdentify(_shardId: number, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const wait = this.#nextAt - now;
    this.#nextAt = Math.max(now, this.#nextAt) + this.intervalMs;
    if (wait > 0) await sleep(wait, undefined, { signal });
  }
}
