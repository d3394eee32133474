/**
 * What Baton left on disk: a listing of a directory tree (to see what a run changed) and a
 * check that every file Baton keeps in its state dir still parses.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseAuthStore } from "../../src/auth/store.js";
import type { AuthStoreData } from "../../src/auth/types.js";
import type { SessionData } from "../../src/state/sessions.js";

export interface FileEntry {
  size: number;
  sha1: string;
  mode: number;
}

/** Every file (and symlink) under `root`, by path relative to it; directories are implied. */
export function listTree(root: string): Map<string, FileEntry> {
  const out = new Map<string, FileEntry>();
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err: any) {
      if (err?.code === "ENOENT") return; // removed while we looked (a lock directory)
      throw err;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      try {
        const stat = fs.lstatSync(full);
        const content = entry.isFile() ? fs.readFileSync(full) : Buffer.from(fs.readlinkSync(full));
        out.set(path.relative(root, full), { size: stat.size, sha1: createHash("sha1").update(content).digest("hex"), mode: stat.mode & 0o777 });
      } catch (err: any) {
        if (err?.code !== "ENOENT") throw err;
      }
    }
  };
  walk(root);
  return out;
}

export interface TreeChange {
  added: string[];
  changed: string[];
  removed: string[];
}

export function diffTrees(before: Map<string, FileEntry>, after: Map<string, FileEntry>): TreeChange {
  const added = [...after.keys()].filter((p) => !before.has(p)).sort();
  const removed = [...before.keys()].filter((p) => !after.has(p)).sort();
  const changed = [...after.keys()].filter((p) => before.has(p) && before.get(p)!.sha1 !== after.get(p)!.sha1).sort();
  return { added, changed, removed };
}

export interface StateCheck {
  authStore?: AuthStoreData;
  sessions: SessionData[];
  offset?: { lastUpdateId: number };
  /** Files that did not parse or have the wrong shape, with why. */
  problems: string[];
  /** Temp files of atomic writes cut short (harmless, but left behind). */
  leftovers: string[];
}

/** Parses the auth store, every session file and the Telegram plugin's state files of agent `main`. */
export function checkStateDir(stateDir: string, agentId = "main"): StateCheck {
  const problems: string[] = [];
  const leftovers: string[] = [];
  const check: StateCheck = { sessions: [], problems, leftovers };
  const storePath = path.join(stateDir, "agents", agentId, "agent", "auth-profiles.json");
  try {
    check.authStore = parseAuthStore(storePath, fs.readFileSync(storePath, "utf8"));
  } catch (err) {
    problems.push(`auth store: ${(err as Error).message}`);
  }
  const sessionsDir = path.join(stateDir, "agents", agentId, "sessions");
  for (const name of fs.existsSync(sessionsDir) ? fs.readdirSync(sessionsDir) : []) {
    const file = path.join(sessionsDir, name);
    if (name.endsWith(".tmp")) {
      leftovers.push(path.relative(stateDir, file));
      continue;
    }
    try {
      const session = JSON.parse(fs.readFileSync(file, "utf8")) as SessionData;
      if (typeof session.key !== "string" || !Array.isArray(session.history) || `${encodeURIComponent(session.key)}.json` !== name) {
        throw new Error("not a session object for this file name");
      }
      check.sessions.push(session);
    } catch (err) {
      problems.push(`session ${name}: ${(err as Error).message}`);
    }
  }
  const telegramDir = path.join(stateDir, "channels", "telegram");
  for (const name of fs.existsSync(telegramDir) ? fs.readdirSync(telegramDir) : []) {
    const file = path.join(telegramDir, name);
    if (name.endsWith(".tmp")) {
      leftovers.push(path.relative(stateDir, file));
      continue;
    }
    try {
      const data = JSON.parse(fs.readFileSync(file, "utf8"));
      if (name === "offset.json") {
        if (!Number.isSafeInteger(data?.lastUpdateId)) throw new Error("lastUpdateId is not an integer");
        check.offset = data;
      }
    } catch (err) {
      problems.push(`telegram ${name}: ${(err as Error).message}`);
    }
  }
  const agentDir = path.dirname(storePath);
  for (const name of fs.existsSync(agentDir) ? fs.readdirSync(agentDir) : []) {
    if (name.endsWith(".tmp")) leftovers.push(path.relative(stateDir, path.join(agentDir, name)));
  }
  return check;
}
