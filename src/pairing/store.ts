import fs from "node:fs";
import path from "node:path";
import * as z from "zod/mini";
import { ensurePrivateDir } from "../config/runtime.js";
import { removeStaleTempFiles, writeFileAtomic } from "../util/atomic-file.js";
import { withFileLock } from "../util/file-lock.js";
import { StatCache } from "../util/stat-cache.js";
import type { PairingRepository } from "../state/pairing.js";
import { emptyPairing, type PairingData } from "./requests.js";

/**
 * The only code that reads or writes `<state>/pairing/<channel>.json` (0600 in a 0700 dir).
 * The gateway (new requests) and `baton pairing` (approve, revoke) write it at once, so every
 * change is a read-modify-write under the file lock, written atomically. A corrupt file is
 * reported with its path and never overwritten.
 */

/** A corrupt or unreadable pairing file (or Redis record, `file` then names the key); nothing was changed. */
export class PairingStoreError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    const record = file.startsWith("redis ");
    super(`Cannot use the pairing ${record ? "record" : "file"} ${file}: ${detail}. Nothing was changed; repair or ${record ? "delete" : "move"} ${record ? "it" : "the file away"} and try again.`);
    this.name = "PairingStoreError";
  }
}

/** Channel ids double as file names: letters, digits, - and _ only. */
const CHANNEL_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

export function isValidChannelId(channel: string): boolean {
  return CHANNEL_ID.test(channel);
}

export function pairingDir(stateDir: string): string {
  return path.join(stateDir, "pairing");
}

export function pairingFile(stateDir: string, channel: string): string {
  if (!isValidChannelId(channel)) throw new Error(`invalid channel id "${channel}" (letters, digits, - and _)`);
  return path.join(pairingDir(stateDir), `${channel}.json`);
}

/** Channels that have a pairing file, sorted. */
export function pairingChannels(stateDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(pairingDir(stateDir));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".json") && isValidChannelId(name.slice(0, -5)))
    .map((name) => name.slice(0, -5))
    .sort();
}

const epochMs = z.number();
const userId = z.string().check(z.minLength(1));
const schema = z.looseObject({
  version: z.literal(1),
  pending: z._default(
    z.array(z.looseObject({ code: z.string().check(z.minLength(1)), userId, name: z.optional(z.string()), createdAt: epochMs, expiresAt: epochMs })),
    [],
  ),
  approved: z._default(z.array(z.looseObject({ userId, name: z.optional(z.string()), approvedAt: epochMs })), []),
});

/** Parses file text; throws {@link PairingStoreError} naming the file and the problem. */
export function parsePairing(file: string, source: string): PairingData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PairingStoreError(file, `invalid JSON (${reason.replace(/, "[\s\S]*$/, "")})`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
    throw new PairingStoreError(file, `unexpected shape at ${where}: ${issue.message}`);
  }
  return result.data as PairingData;
}

/** The file's data; a missing file is empty. */
export async function readPairing(file: string): Promise<PairingData> {
  let source: string;
  try {
    source = await fs.promises.readFile(file, "utf8");
  } catch (err: any) {
    if (err?.code === "ENOENT") return emptyPairing();
    throw new PairingStoreError(file, `cannot read it (${err?.code ?? err?.message ?? err})`);
  }
  return parsePairing(file, source);
}

const cache = new StatCache(readPairing, emptyPairing, (file, reason) => new PairingStoreError(file, reason));

/**
 * {@link readPairing} that parses again only when the file changed, so the gateway can ask on
 * every message and still see `baton pairing approve` at once. Callers must not mutate the result.
 */
export function readPairingCached(file: string): Promise<PairingData> {
  return cache.read(file);
}

/**
 * Read-modify-write under the file lock. `mutate` edits the freshly read data in place; it is
 * written back (atomically, 0600) only when it changed. A corrupt file throws before `mutate` runs.
 */
export async function updatePairing<T>(file: string, mutate: (data: PairingData) => T): Promise<T> {
  ensurePrivateDir(path.dirname(file));
  return withFileLock(file, async (assertLockHeld) => {
    await removeStaleTempFiles(file);
    const data = await readPairing(file);
    const before = JSON.stringify(data);
    const result = mutate(data);
    if (JSON.stringify(data) !== before) {
      assertLockHeld();
      await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, 0o600);
      cache.forget(file);
    }
    return result;
  });
}

/** The file backend's {@link PairingRepository}: `<state>/pairing/<channel>.json`. Throws on an invalid channel id. */
export function filePairing(stateDir: string, channel: string): PairingRepository {
  const file = pairingFile(stateDir, channel);
  return {
    location: file,
    read: () => readPairingCached(file),
    update: (mutate) => updatePairing(file, mutate),
  };
}
