/** A cross-process lock next to a file (proper-lockfile), for read-modify-write of shared state files. */

const LOCK_STALE_MS = 5_000;
const LOCK_UPDATE_MS = 1_000;
/** Waiters retry for up to ~40 s, long enough to outlast a stale lock left by a killed writer. */
const LOCK_RETRIES = { retries: 200, factor: 1.3, minTimeout: 10, maxTimeout: 200, randomize: true };

/**
 * Runs `fn` while holding the cross-process lock `<file>.lock` (proper-lockfile). The file itself
 * need not exist. Throws if the lock was lost (compromised) while `fn` ran, before anything is committed.
 */
const inProcess = new Map<string, Promise<unknown>>();

export async function withFileLock<T>(file: string, fn: (assertLockHeld: () => void) => Promise<T>): Promise<T> {
  // Callers in this process wait in line here first: proper-lockfile's retry sleeps (10-200 ms)
  // are for other processes, and would otherwise throttle a busy gateway against itself.
  const previous = inProcess.get(file) ?? Promise.resolve();
  const turn = previous.catch(() => undefined).then(() => withCrossProcessLock(file, fn));
  inProcess.set(file, turn);
  try {
    return await turn;
  } finally {
    if (inProcess.get(file) === turn) inProcess.delete(file);
  }
}

async function withCrossProcessLock<T>(file: string, fn: (assertLockHeld: () => void) => Promise<T>): Promise<T> {
  // proper-lockfile is CommonJS: a bundle exposes it as the default export only
  const lockfile: any = await import("proper-lockfile");
  const { lock } = (lockfile.default ?? lockfile) as typeof import("proper-lockfile");
  let compromised: Error | undefined;
  const release = await lock(file, {
    lockfilePath: `${file}.lock`,
    realpath: false,
    stale: LOCK_STALE_MS,
    update: LOCK_UPDATE_MS,
    retries: LOCK_RETRIES,
    onCompromised: (err) => {
      compromised = err;
    },
  });
  const assertLockHeld = () => {
    if (compromised) throw new Error(`lost the lock on ${file}: ${compromised.message}`);
  };
  try {
    return await fn(assertLockHeld);
  } finally {
    await release().catch(() => {});
  }
}
