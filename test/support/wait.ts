/**
 * The one way tests (and benchmarks) wait for something to happen: re-check a condition until
 * it yields a value, then resolve with that value. Re-checks on an emitter's events when the
 * thing watched has them (a fake's "change"), else polls. No vitest import: bench/ uses it too.
 *
 * @example
 * const reply = await waitFor(() => fake.sent.find((m) => m.chat_id === 42), { what: "a reply in chat 42" });
 * await waitFor(() => gateway.channelStatus()[0].state === "up", { what: "the channel to come up" });
 * const replies = await waitFor(async () => (await fetchReplies()).filter(isMine).at(0), { what: "my reply" });
 */
import type { EventEmitter } from "node:events";

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** What is awaited, for the timeout error ("timed out after 10000 ms waiting for <what>"). */
  what?: string;
  /** Re-check whenever this emits `event` instead of polling. */
  changes?: EventEmitter;
  /** The event of `changes` to re-check on (default "change"). */
  event?: string;
  /** Poll interval when there is no `changes` emitter (default 10 ms). */
  intervalMs?: number;
  /** Appended to the timeout error (e.g. a child's output so far); evaluated only on timeout. */
  detail?: () => string;
}

type Pending = undefined | null | false;

/**
 * Resolves with the first value of `check` that is not `undefined`, `null` or `false` (so a
 * boolean condition resolves with `true`). Rejects when `check` throws, or on timeout. A
 * synchronous check runs right when a change is emitted; an async one (e.g. an HTTP request)
 * is awaited before the next poll.
 */
export function waitFor<T>(check: () => T | Pending | Promise<T | Pending>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, what = "a condition", changes, event = "change", intervalMs = 10, detail } = options;
  return new Promise<T>((resolve, reject) => {
    let poll: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      done = true;
      clearTimeout(deadline);
      clearTimeout(poll);
      changes?.off(event, attempt);
    };
    const fail = (error: unknown) => {
      if (done) return;
      finish();
      reject(error);
    };
    const settle = (value: T | Pending) => {
      if (done) return;
      if (value !== undefined && value !== null && value !== false) {
        finish();
        resolve(value);
      } else if (!changes) {
        poll = setTimeout(attempt, intervalMs);
      }
    };
    const attempt = () => {
      let value: T | Pending | Promise<T | Pending>;
      try {
        value = check();
      } catch (error) {
        fail(error);
        return;
      }
      if (value instanceof Promise) value.then(settle, fail);
      else settle(value);
    };
    const deadline = setTimeout(() => {
      finish();
      const more = detail ? `\n${detail()}` : "";
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${more}`));
    }, timeoutMs);
    changes?.on(event, attempt);
    attempt();
  });
}
