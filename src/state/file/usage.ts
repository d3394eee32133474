import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir } from "../../config/runtime.js";
import { removeStaleTempFiles, writeFileAtomic } from "../../util/atomic-file.js";
import { withFileLock } from "../../util/file-lock.js";
import { StatCache } from "../../util/stat-cache.js";
import {
  addAmounts,
  emptyAmounts,
  USAGE_DAY,
  usageRowId,
  UsageStoreError,
  type UnreadableUsageDay,
  type UsageQueryResult,
  type UsageRepository,
  type UsageRow,
} from "../usage.js";

/**
 * Embedded file backend of {@link UsageRepository}: one file per UTC day,
 * `<state>/usage/<YYYY-MM-DD>.json` (0600 in a 0700 dir), holding that day's rows. Adding is a
 * read-modify-write under the cross-process file lock (the gateway and `baton agent` may
 * record at once), written atomically and fsynced; a file that cannot be parsed is reported
 * and never overwritten. Reads are stat-cached: past days are parsed once.
 */
export class FileUsageStore implements UsageRepository {
  private readonly cache = new StatCache<UsageRow[]>(
    (file) => fs.promises.readFile(file, "utf8").then((text) => parseDay(file, dayOfFile(file), text)),
    () => [],
    (file, reason) => new UsageStoreError(file, reason),
  );
  private dirReady = false;

  constructor(readonly dir: string) {}

  fileFor(day: string): string {
    if (!USAGE_DAY.test(day)) throw new TypeError(`invalid usage day ${JSON.stringify(day)} (YYYY-MM-DD)`);
    return path.join(this.dir, `${day}.json`);
  }

  async add(rows: readonly UsageRow[]): Promise<void> {
    const byDay = new Map<string, UsageRow[]>();
    for (const row of rows) {
      const list = byDay.get(row.day) ?? [];
      list.push(row);
      byDay.set(row.day, list);
    }
    if (!byDay.size) return;
    this.ensureDir();
    for (const [day, additions] of byDay) await this.addToDay(day, additions);
  }

  private async addToDay(day: string, additions: UsageRow[]): Promise<void> {
    const file = this.fileFor(day);
    await withFileLock(file, async (assertLockHeld) => {
      await removeStaleTempFiles(file);
      const stored = await this.readFresh(file, day);
      const merged = new Map(stored.map((row) => [usageRowId(row), { ...row }]));
      for (const row of additions) {
        const id = usageRowId(row);
        const existing = merged.get(id);
        if (existing) addAmounts(existing, row);
        else merged.set(id, addAmounts({ ...row, ...emptyAmounts() }, row));
      }
      assertLockHeld();
      await writeFileAtomic(file, serializeDay(day, [...merged.values()]), 0o600);
      this.cache.forget(file);
    });
  }

  /** The day as stored now (under the lock: not from the cache, another process may just have written it). */
  private async readFresh(file: string, day: string): Promise<UsageRow[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(file, "utf8");
    } catch (err: any) {
      if (err?.code === "ENOENT") return [];
      throw new UsageStoreError(file, err?.code ?? err?.message ?? String(err));
    }
    return parseDay(file, day, text);
  }

  async query(range: { from?: string; to?: string } = {}): Promise<UsageQueryResult> {
    const rows: UsageRow[] = [];
    const unreadable: UnreadableUsageDay[] = [];
    for (const day of this.days()) {
      if ((range.from && day < range.from) || (range.to && day > range.to)) continue;
      const file = this.fileFor(day);
      try {
        rows.push(...(await this.cache.read(file)));
      } catch (err) {
        const reason = err instanceof UsageStoreError ? err.reason : String((err as Error)?.message ?? err);
        unreadable.push({ day, location: file, reason });
      }
    }
    return { rows, unreadable };
  }

  async prune(before: string): Promise<number> {
    let removed = 0;
    for (const day of this.days()) {
      if (day >= before) break;
      const file = this.fileFor(day);
      await withFileLock(file, () => fs.promises.rm(file, { force: true }));
      this.cache.forget(file);
      removed++;
    }
    return removed;
  }

  /** Stored days, oldest first. */
  private days(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => name.endsWith(".json") && USAGE_DAY.test(name.slice(0, -5)))
      .map((name) => name.slice(0, -5))
      .sort();
  }

  private ensureDir(): void {
    if (this.dirReady) return;
    ensurePrivateDir(this.dir);
    this.dirReady = true;
  }
}

function dayOfFile(file: string): string {
  return path.basename(file, ".json");
}

const STRING_FIELDS = ["agentId", "sessionKey", "sender", "model", "profileId"] as const;
const NUMBER_FIELDS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "turns", "costUsd", "unpricedTurns"] as const;

export function serializeDay(day: string, rows: UsageRow[]): string {
  const stored = rows.map((row) => {
    const out: Record<string, string | number> = {};
    for (const field of STRING_FIELDS) out[field] = row[field];
    for (const field of NUMBER_FIELDS) out[field] = row[field];
    return out;
  });
  return `${JSON.stringify({ version: 1, day, rows: stored })}\n`;
}

/** Parses one day's file; anything but the expected shape is a {@link UsageStoreError}. */
export function parseDay(file: string, day: string, text: string): UsageRow[] {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch (err: any) {
    throw new UsageStoreError(file, `invalid JSON: ${err?.message ?? err}`);
  }
  if (!data || typeof data !== "object" || data.version !== 1 || !Array.isArray(data.rows)) {
    throw new UsageStoreError(file, "not a usage file (expected version 1 and rows)");
  }
  return data.rows.map((raw: any, index: number) => {
    if (!raw || typeof raw !== "object") throw new UsageStoreError(file, `row ${index} is not an object`);
    const row: Record<string, unknown> = { day };
    for (const field of STRING_FIELDS) {
      if (typeof raw[field] !== "string") throw new UsageStoreError(file, `row ${index}: ${field} is not a string`);
      row[field] = raw[field];
    }
    for (const field of NUMBER_FIELDS) {
      const value = raw[field] ?? 0;
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new UsageStoreError(file, `row ${index}: ${field} is not a count`);
      row[field] = value;
    }
    return row as unknown as UsageRow;
  });
}
