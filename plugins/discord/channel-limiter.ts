import Bottleneck from "bottleneck";

export interface ChannelRate {
  /** Message creates and edits allowed per channel in each interval. */
  limit: number;
  intervalMs: number;
}

/**
 * Discord allows 5 message writes per 5 seconds in one channel. The interval has a margin
 * because Discord's window opens when the first request arrives, a little after ours.
 */
export const DISCORD_CHANNEL_RATE: ChannelRate = { limit: 5, intervalMs: 5500 };

/**
 * One queue per channel for message creates and edits: in order (one at a time) and within
 * the channel's rate, so streamed edits do not run into 429s. discord.js still retries any
 * 429 that slips through, per bucket.
 */
export class ChannelLimiter {
  readonly #group: Bottleneck.Group;

  constructor(rate: ChannelRate = DISCORD_CHANNEL_RATE) {
    this.#group = new Bottleneck.Group({
      maxConcurrent: 1,
      reservoir: rate.limit,
      reservoirRefreshAmount: rate.limit,
      reservoirRefreshInterval: rate.intervalMs,
    });
  }

  schedule<T>(channelId: string, job: () => Promise<T>): Promise<T> {
    return this.#group.key(channelId).schedule(job);
  }

  /** Drops queued jobs (they reject) and lets running ones finish. */
  async stop(): Promise<void> {
    await Promise.all(this.#group.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: true })));
  }
}
