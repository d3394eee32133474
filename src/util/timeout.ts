/** What {@link withTimeout} rejects with when the time is up. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(
    message: string,
    readonly ms: number,
  ) {
    super(message);
  }
}

export interface TimeoutOptions {
  /** Rejects early (with the signal's reason) when this aborts. */
  signal?: AbortSignal;
  /** The {@link TimeoutError}'s message. Default: "timed out after <ms> ms". */
  message?: string;
}

/**
 * `promise`, or a {@link TimeoutError} once `ms` have passed, whichever comes first. The timer is
 * cleared either way, so nothing is left running. The promise itself is not cancelled: pass the
 * same signal to the work when it can stop early.
 *
 * @example
 * const choices = await withTimeout(ctx.complete(request), 2500).catch(() => []);
 * @example
 * await withTimeout(server.close(), 3000, { message: "webhook server did not close in 3 s" });
 */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number, options: TimeoutOptions = {}): Promise<T> {
  const { signal } = options;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => finish(() => reject(signal!.reason));
    const timer = setTimeout(() => finish(() => reject(new TimeoutError(options.message ?? `timed out after ${ms} ms`, ms))), ms);
    let done = false;
    function finish(settle: () => void): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(promise).then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/**
 * Waits until `promise` settles (fulfilled or rejected alike) or `ms` pass; never rejects.
 * Says which: true when it settled in time.
 *
 * @example
 * if (!(await settledWithin(handlersDone, 5000))) log.warn("handlers still running after 5 s");
 */
export function settledWithin(promise: PromiseLike<unknown>, ms: number): Promise<boolean> {
  return withTimeout(promise, ms).then(
    () => true,
    (error: unknown) => !(error instanceof TimeoutError),
  );
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: the caller checks the signal). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
