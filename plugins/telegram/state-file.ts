/** Small JSON files in the plugin's state dir, written atomically (temp file, fsync, rename, directory fsync). */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The parsed file, or undefined when it does not exist. Throws with the path when it is unreadable or not JSON. */
export async function readJsonFile(path: string): Promise<unknown> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename in `dir` survive a power loss. Best effort: some platforms cannot open a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // not supported here; the rename is still atomic
  }
}

/**
 * Deletes the temp files of writes to `path` that a killed process left behind. Call it before
 * this process writes `path` for the first time: the temp files of its own writes look the same.
 */
export async function removeLeftoverTempFiles(path: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  // Named as writeJsonFileAtomic names them: `<file>.<pid>.<random>.tmp`.
  const leftovers = names.filter((name) => name.startsWith(`${basename(path)}.`) && name.endsWith(".tmp"));
  await Promise.all(leftovers.map((name) => rm(join(dirname(path), name), { force: true })));
  return leftovers;
}

/** Renames a damaged file to `<path>.corrupt-<ms since epoch>` and returns the new path. */
export async function moveAside(path: string, now = Date.now()): Promise<string> {
  const target = `${path}.corrupt-${now}`;
  await rename(path, target);
  return target;
}
