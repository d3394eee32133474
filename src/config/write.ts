import fs from "node:fs";
import path from "node:path";
import JSON5 from "json5";
import { removeStaleTempFiles, writeFileAtomic } from "../util/atomic-file.js";
import { withFileLock } from "../util/file-lock.js";
import { ConfigError } from "./errors.js";

/**
 * Writing Baton's own files safely: atomic replace, cross-process lock, and config write-back.
 * The auth store and the config both go through here.
 */



/** Lock timing: a holder refreshes its lock every second; a lock untouched for 5 s belongs to a dead process. */



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
    // a writer killed between its temp file and the rename left these behind
    await removeStaleTempFiles(file);
    await removeStaleTempFiles(`${file}.bak`);
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
