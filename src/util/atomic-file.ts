import fs from "node:fs";
import path from "node:path";

/** Unique within this process; the pid makes it unique across processes, and "wx" refuses a clash. */
let tempCounter = 0;

/**
 * Replaces `file` atomically: writes a temp file in the same directory, fsyncs it, renames it
 * over the target and fsyncs the directory. A reader (or a crash) sees the old or the new file, never half.
 *
 * `durable: false` skips the two fsyncs: still atomic against a process crash (rename), but the
 * newest write may be lost to a power cut. Used for chat history, where that trade buys ~1.5 ms a turn.
 */
export async function writeFileAtomic(requested: string, data: string, mode = 0o600, options: { durable?: boolean } = {}): Promise<void> {
  const durable = options.durable ?? true;
  // a symlinked file (e.g. auth-profiles.json kept on another volume) is replaced where it points, the link stays
  const file = await symlinkTarget(requested);
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${(tempCounter++).toString(36)}.tmp`);
  const handle = await fs.promises.open(temp, "wx", mode);
  try {
    await handle.writeFile(data, "utf8");
    await handle.chmod(mode); // the umask may have narrowed or the platform ignored the open mode
    if (durable) await handle.sync();
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
  if (durable) await syncDir(dir);
}

/** Where `file` really is when it is a symlink (to a file that may not exist yet); else `file`. */
async function symlinkTarget(file: string): Promise<string> {
  try {
    return await fs.promises.realpath(file);
  } catch (err: any) {
    if (err?.code !== "ENOENT") throw err;
  }
  try {
    // a dangling link: create its target
    const target = await fs.promises.readlink(file);
    return path.resolve(path.dirname(file), target);
  } catch {
    return file;
  }
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

/** Removes temp files a killed writer left next to `file` (call while holding the lock). */
export async function removeStaleTempFiles(file: string, olderThanMs = 5_000): Promise<void> {
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
