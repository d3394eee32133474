/** What the plugin stops on shutdown: the long-polling runner or the webhook server. */
export interface UpdateIntake {
  /** Stops taking updates and waits up to `graceMs` for handlers already running. */
  stop(graceMs: number): Promise<void>;
}

/** Waits for `promise` to settle, but no longer than `ms`. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
