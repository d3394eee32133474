import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir } from "../config/runtime.js";
import { removeStaleTempFiles, writeFileAtomic } from "../util/atomic-file.js";
import { withFileLock } from "../util/file-lock.js";
import { redactSecrets } from "../util/redact.js";
import { StatCache } from "../util/stat-cache.js";
import { freshStats } from "./cooldown.js";
import { AuthStoreSchema } from "./store-schema.js";
import type { AuthStoreData, ProfileUsageStats } from "./types.js";

/**
 * The only code that reads or writes `auth-profiles.json`.
 * Reads validate the shape and keep unknown fields; writes are atomic and run under a file lock.
 */

/** Usage stats as stored. */
export type StoredUsageStats = ProfileUsageStats;

/** A corrupt or unreadable store. Never treated as empty; the file is left untouched. */
export class AuthStoreError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`Cannot use the auth store ${file}: ${detail}. Nothing was changed; repair or move the file away and try again.`);
    this.name = "AuthStoreError";
  }
}

export function emptyAuthStore(): AuthStoreData {
  return { version: 1, profiles: {}, order: {}, usageStats: {} };
}

/**
 * Reads and validates the store. A missing file is an empty store; anything unreadable or
 * malformed throws {@link AuthStoreError} naming the path and the problem.
 */
export async function readAuthStore(file: string): Promise<AuthStoreData> {
  let source: string;
  try {
    source = await fs.promises.readFile(file, "utf8");
  } catch (err: any) {
    if (err?.code === "ENOENT") return emptyAuthStore();
    throw new AuthStoreError(file, `cannot read it (${err?.code ?? err?.message ?? err})`);
  }
  return parseAuthStore(file, source);
}

const cache = new StatCache(readAuthStore, emptyAuthStore, (file, reason) => new AuthStoreError(file, reason));

/**
 * {@link readAuthStore} that re-parses only when the file changed, for the resolver's per-turn
 * reads. Callers must not mutate the result.
 */
export function readAuthStoreCached(file: string): Promise<AuthStoreData> {
  return cache.read(file);
}

/** Parses store text; exported for tests and tools that already hold the text. */
export function parseAuthStore(file: string, source: string): AuthStoreData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (err) {
    throw new AuthStoreError(file, `invalid JSON: ${describeJsonError(source, err)}`);
  }
  const result = AuthStoreSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problems)` : "";
    throw new AuthStoreError(file, `unexpected shape at ${where}: ${redactSecrets(issue.message)}${more}`);
  }
  return result.data;
}

/**
 * Read-modify-write under the store lock. `mutate` edits the freshly read store in place (it
 * may be async, e.g. an OAuth refresh); the store is written back atomically only when it
 * changed. Returns what `mutate` returned. A corrupt store throws before `mutate` runs.
 */
export async function updateAuthStore<T>(file: string, mutate: (store: AuthStoreData) => T | Promise<T>): Promise<T> {
  ensurePrivateDir(path.dirname(file));
  return withFileLock(file, async (assertLockHeld) => {
    await removeStaleTempFiles(file);
    const store = await readAuthStore(file);
    const before = JSON.stringify(store);
    const result = await mutate(store);
    if (JSON.stringify(store) !== before) {
      assertLockHeld();
      await writeFileAtomic(file, `${JSON.stringify(store, null, 2)}\n`, 0o600);
      cache.forget(file);
    }
    return result;
  });
}

/** The stats of `profileId`, created (in the store object) when missing. */
export function statsFor(store: AuthStoreData, profileId: string): StoredUsageStats {
  const existing = store.usageStats[profileId];
  if (existing) return existing;
  const created = freshStats();
  store.usageStats[profileId] = created;
  return created;
}

/** Removes a profile and everything that refers to it (stats, order entries). Returns whether it existed. */
export function removeProfile(store: AuthStoreData, profileId: string): boolean {
  const existed = profileId in store.profiles;
  delete store.profiles[profileId];
  delete store.usageStats[profileId];
  for (const [provider, ids] of Object.entries(store.order)) {
    const kept = ids.filter((id) => id !== profileId);
    if (kept.length) store.order[provider] = kept;
    else delete store.order[provider];
  }
  return existed;
}

/** JSON.parse messages can quote the file's text (and so a secret); keep the reason and the position only. */
function describeJsonError(source: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message);
  const reason = message.replace(/, "[\s\S]*$/, "").replace(/ in JSON at position \d+[\s\S]*$/, "");
  let where = "";
  if (/Unexpected end of JSON input/.test(message) || (position && Number(position[1]) >= source.trimEnd().length)) {
    where = " (the file ends early; was a write cut short?)";
  } else if (position) {
    const offset = Number(position[1]);
    const before = source.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    where = ` at line ${line}, column ${column}`;
  }
  return `${redactSecrets(reason)}${where}`;
}
