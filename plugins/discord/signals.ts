/**
 * A signal that aborts when any of `signals` does, with its reason. `dispose` detaches it
 * from the others, so a long-lived signal (the plugin's lifetime) does not collect listeners.
 */
export function linkedSignal(...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const detach: (() => void)[] = [];
  for (const source of signals) {
    if (!source) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const abort = () => controller.abort(source.reason);
    source.addEventListener("abort", abort, { once: true });
    detach.push(() => source.removeEventListener("abort", abort));
  }
  return { signal: controller.signal, dispose: () => detach.forEach((d) => d()) };
}

/**
 * `work`, unless `signal` aborts first: then rejects with the signal's reason. A later
 * rejection of `work` is swallowed (the caller has already moved on).
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
