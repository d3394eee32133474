import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import JSON5 from "json5";
import { ConfigError } from "./errors.js";

/**
 * Writing Baton's own files safely: atomic replace, cross-process lock, and config write-back.
 * The auth store and the config both go through here.
 */

/**
 * Replaces `file` atomically: writes a temp file in the same directory, fsyncs it, renames it
 * over the target and fsyncs the directory. A reader (or a crash) sees the old or the new file, never half.
 */
export async function writeFileAtomic(file: string, data: string, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await fs.promises.open(temp, "wx", mode);
  try {
    await handle.writeFile(data, "utf8");
    await handle.chmod(mode); // the umask may have narrowed or the platform ignored the open mode
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.promises.rename(temp, file);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, "r");
    await handle.sync();
  } catch {
    // some platforms cannot fsync a directory; the rename itself is still atomic
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Lock timing: a holder refreshes its lock every second; a lock untouched for 5 s belongs to a dead process. */
const LOCK_STALE_MS = 5_000;
const LOCK_UPDATE_MS = 1_000;
/** Waiters retry for up to ~40 s, long enough to outlast a stale lock left by a killed writer. */
const LOCK_RETRIES = { retries: 200, factor: 1.3, minTimeout: 10, maxTimeout: 200, randomize: true };

/**
 * Runs `fn` while holding the cross-process lock `<file>.lock` (proper-lockfile). The file itself
 * need not exist. Throws if the lock was lost (compromised) while `fn` ran, before anything is committed.
 */
export async function withFileLock<T>(file: string, fn: (assertLockHeld: () => void) => Promise<T>): Promise<T> {
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

/** Removes temp files a killed writer left next to `file` (call while holding the lock). */
export async function removeStaleTempFiles(file: string, olderThanMs = LOCK_STALE_MS): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - olderThanMs;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const full = path.join(dir, name);
    try {
      if ((await fs.promises.stat(full)).mtimeMs < cutoff) await fs.promises.rm(full, { force: true });
    } catch {
      // gone already
    }
  }
}

/** Creates `dir` with mode 0700 when it does not exist; an existing directory is left as it is. */
export function ensureDirExists(dir: string): void {
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface ConfigWriteResult {
  changed: boolean;
  /** The copy of the previous file, when there was one and it changed. */
  backupPath?: string;
}

/**
 * Read-modify-write of the config file under a lock. `mutate` receives the parsed JSON5 document
 * as written (no `${VAR}` substitution, no defaults) and edits it in place.
 *
 * Comments are NOT preserved (the file is re-serialised as JSON5); the previous file is kept as
 * `<config>.bak` on every write so nothing the user wrote is lost. A missing file is created
 * (and its directory, 0700); the file is written 0600.
 */
export async function updateConfigFile(file: string, mutate: (raw: Record<string, any>) => void): Promise<ConfigWriteResult> {
  ensureDirExists(path.dirname(file));
  return withFileLock(file, async (assertLockHeld) => {
    let source: string | undefined;
    try {
      source = await fs.promises.readFile(file, "utf8");
    } catch (err: any) {
      if (err?.code !== "ENOENT") throw new ConfigError(file, [{ keyPath: "", message: `cannot read: ${err?.message ?? err}` }]);
    }
    const raw = parseRaw(file, source);
    const before = JSON.stringify(raw);
    mutate(raw);
    if (JSON.stringify(raw) === before) return { changed: false };
    const text = `${JSON5.stringify(raw, { space: 2, quote: '"' })}\n`;
    assertLockHeld();
    let backupPath: string | undefined;
    if (source !== undefined) {
      backupPath = `${file}.bak`;
      await writeFileAtomic(backupPath, source, 0o600);
    }
    await writeFileAtomic(file, text, 0o600);
    return { changed: true, backupPath };
  });
}

function parseRaw(file: string, source: string | undefined): Record<string, any> {
  if (source === undefined || source.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON5.parse(source);
  } catch (err: any) {
    const message = String(err?.message ?? err).replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    throw new ConfigError(file, [{ keyPath: "", message: `JSON5 syntax error: ${message}`, line: err?.lineNumber, column: err?.columnNumber }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(file, [{ keyPath: "", message: "the config must be an object ({ ... })", line: 1 }]);
  }
  return parsed as Record<string, any>;
}
