/**
 * What every streamed provider call needs around its SDK loop: the caller's abort passed on,
 * an idle timeout (no response, or no next event, for `timeoutMs`), and failures of the caller's
 * own callbacks kept apart from API failures (those are rethrown as they are, never classified).
 */

export interface StreamRun {
  /** For the SDK call: aborts on the caller's abort and on the idle timeout. */
  signal: AbortSignal;
  /** Data arrived: the idle timeout starts again. */
  touch(): void;
  /** Calls one of the caller's callbacks; what it throws ends the call and is rethrown unchanged. */
  callback<T>(call: () => T): T;
}

export interface StreamEnd {
  /** What the SDK threw, if anything (not a callback's failure, not the caller's abort: those are thrown). */
  failure?: unknown;
  /** The idle timeout ended the call. */
  timedOut: boolean;
}

class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** The caller's abort as an `AbortError` (its own reason when that is one). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("The request was aborted.", "AbortError");
}

/**
 * Runs `body` (the SDK call and its stream loop) under the guard. Throws the caller's abort and
 * callback failures; resolves with the SDK's failure or the timeout for the provider to classify.
 */
export async function guardedStream(callerSignal: AbortSignal | undefined, timeoutMs: number, body: (run: StreamRun) => Promise<void>): Promise<StreamEnd> {
  if (callerSignal?.aborted) throw abortError(callerSignal);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  callerSignal?.addEventListener("abort", onAbort, { once: true });
  let idleTimer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const touch = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  const callback = <T>(call: () => T): T => {
    try {
      return call();
    } catch (err) {
      throw new CallbackFailure(err);
    }
  };
  let failure: unknown;
  let failed = false;
  touch();
  try {
    await body({ signal: controller.signal, touch, callback });
  } catch (err) {
    failure = err;
    failed = true;
  } finally {
    clearTimeout(idleTimer);
    callerSignal?.removeEventListener("abort", onAbort);
  }
  if (failure instanceof CallbackFailure) throw failure.error;
  if (callerSignal?.aborted) throw abortError(callerSignal);
  return failed ? { failure, timedOut } : { timedOut };
}
