/**
 * Keeps outgoing messages inside Telegram's flood limits: per chat (~1/s), per group
 * (20/min) and overall (30/s), one bottleneck limiter per scope.
 *
 * Each limit is a sliding window whose slot comes back `intervalMs` after the request
 * that used it has *finished* (bottleneck reservoir + a timer). Counting from completion
 * rather than from scheduling keeps the spacing Telegram sees at least the interval even
 * when a request waited in the global queue, so a Telegram bucket of the same size
 * never overflows. Per chat, one request runs at a time: messages keep their order, and
 * a 429 retry (inside the task) holds the chat's later messages back.
 */
import Bottleneck from "bottleneck";

export interface RateLimit {
  limit: number;
  intervalMs: number;
}

export interface OutboundLimits {
  perChat: RateLimit;
  perGroup: RateLimit;
  global: RateLimit;
}

/** Telegram's published bot limits. */
export const TELEGRAM_OUTBOUND_LIMITS: OutboundLimits = {
  perChat: { limit: 1, intervalMs: 1000 },
  perGroup: { limit: 20, intervalMs: 60_000 },
  global: { limit: 30, intervalMs: 1000 },
};

/** Telegram group and channel chat ids are negative; users' are positive. */
export const isGroupChatId = (chatId: string) => chatId.startsWith("-");

export class OutboundLimiter {
  private readonly chats: Bottleneck.Group;
  private readonly groups: Bottleneck.Group;
  private readonly global: Bottleneck;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly limits: OutboundLimits = TELEGRAM_OUTBOUND_LIMITS) {
    // Idle per-chat limiters are dropped after this; by then all their slots are back.
    const idleMs = Math.max(5 * 60_000, 2 * Math.max(limits.perChat.intervalMs, limits.perGroup.intervalMs));
    this.chats = new Bottleneck.Group({ maxConcurrent: 1, reservoir: limits.perChat.limit, timeout: idleMs });
    this.groups = new Bottleneck.Group({ reservoir: limits.perGroup.limit, timeout: idleMs });
    this.global = new Bottleneck({ reservoir: limits.global.limit });
  }

  /**
   * Runs `task` (one message to `chatId`) when every applicable limit has room.
   * `skip`, checked when the chat's turn comes, lets a superseded task (an edit
   * overtaken by a newer one) resolve undefined without spending any slot.
   */
  schedule<T>(chatId: string, task: () => Promise<T>): Promise<T>;
  schedule<T>(chatId: string, task: () => Promise<T>, skip: () => boolean): Promise<T | undefined>;
  schedule<T>(chatId: string, task: () => Promise<T>, skip?: () => boolean): Promise<T | undefined> {
    if (this.stopped) return Promise.reject(new Error("telegram outbound limiter stopped"));
    const sendNow = () => this.inWindow(this.global, this.limits.global.intervalMs, task);
    const viaGroup = isGroupChatId(chatId)
      ? () => this.inWindow(this.groups.key(chatId), this.limits.perGroup.intervalMs, sendNow)
      : sendNow;
    return this.inWindow(this.chats.key(chatId), this.limits.perChat.intervalMs, viaGroup, skip);
  }

  /** Drops queued messages (their promises reject) and clears timers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const dropped = { dropWaitingJobs: true, dropErrorMessage: "telegram plugin stopped before this message was sent" };
    await Promise.allSettled([
      this.global.stop(dropped),
      ...this.chats.limiters().map(({ limiter }) => limiter.stop(dropped)),
      ...this.groups.limiters().map(({ limiter }) => limiter.stop(dropped)),
    ]);
    await Promise.allSettled([this.chats.disconnect(), this.groups.disconnect(), this.global.disconnect()]);
  }

  private inWindow<T>(limiter: Bottleneck, intervalMs: number, task: () => Promise<T>, skip?: () => boolean): Promise<T | undefined> {
    return limiter.schedule(async () => {
      if (skip?.()) {
        await limiter.incrementReservoir(1);
        return undefined;
      }
      try {
        return await task();
      } finally {
        this.returnSlotLater(limiter, intervalMs);
      }
    });
  }

  private returnSlotLater(limiter: Bottleneck, intervalMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      limiter.incrementReservoir(1).catch(() => undefined);
    }, intervalMs);
    timer.unref();
    this.timers.add(timer);
  }
}
