import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/plugin-api.js";
import { fileChannelState } from "../../test/support/channel-services.js";
import { parseJournalFile, PendingJournal } from "./pending-journal.js";

let dir: string;
let path: string;
const logged: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
const log: Logger = {
  debug() {},
  info() {},
  warn: (msg, fields) => void logged.push({ level: "warn", msg, fields }),
  error: (msg, fields) => void logged.push({ level: "error", msg, fields }),
};

const update = (id: number, text = `m${id}`): Update =>
  ({ update_id: id, message: { message_id: id, date: 1, chat: { id: 5, type: "private", first_name: "A" }, text } }) as Update;

const onDisk = async () => JSON.parse(await readFile(path, "utf8")) as { lastUpdateId?: number; updates: Update[] };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-journal-"));
  path = join(dir, "pending.json");
  logged.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("PendingJournal", () => {
  it("has the added updates on disk when add resolves, private to the owner", async () => {
    const journal = new PendingJournal(fileChannelState(dir), log);
    await journal.load();
    await journal.add([update(7), update(8)]);
    expect(await onDisk()).toEqual({ version: 1, lastUpdateId: 8, updates: [update(7), update(8)] });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("forgets removed updates but remembers the highest id, and reloads in update_id order", async () => {
    const journal = new PendingJournal(fileChannelState(dir), log);
    await journal.load();
    await journal.add([update(12), update(10)]);
    await journal.add([update(11), update(12, "again")]); // 12 is already there: kept as first added
    journal.remove(12);
    await journal.flush();
    expect(await onDisk()).toEqual({ version: 1, lastUpdateId: 12, updates: [update(10), update(11)] });

    const reloaded = new PendingJournal(fileChannelState(dir), log);
    await reloaded.load();
    expect(reloaded.updates().map((u) => u.update_id)).toEqual([10, 11]);
    expect(reloaded.lastUpdateId).toBe(12);
    expect(reloaded.has(11)).toBe(true);
  });

  it("keeps everything once frozen, but still takes new updates", async () => {
    const journal = new PendingJournal(fileChannelState(dir), log);
    await journal.load();
    await journal.add([update(1)]);
    journal.freeze();
    journal.remove(1);
    await journal.add([update(2)]);
    await journal.flush();
    expect((await onDisk()).updates.map((u) => u.update_id)).toEqual([1, 2]);
  });

  it("ends with the latest state after a burst of removals, without temp files", async () => {
    const journal = new PendingJournal(fileChannelState(dir), log);
    await journal.load();
    await journal.add(Array.from({ length: 50 }, (_, i) => update(i + 1)));
    for (let id = 1; id <= 49; id++) journal.remove(id);
    await journal.flush();
    expect((await onDisk()).updates.map((u) => u.update_id)).toEqual([50]);
    expect((await readdir(dir)).sort()).toEqual(["pending.json"]); // no temp file left
  });

  it("drops the oldest beyond its capacity, with a warning", async () => {
    const journal = new PendingJournal(fileChannelState(dir), log, 3);
    await journal.load();
    await journal.add([update(1), update(2), update(3)]);
    await journal.add([update(4), update(5)]);
    expect(journal.updates().map((u) => u.update_id)).toEqual([3, 4, 5]);
    expect((await onDisk()).updates.map((u) => u.update_id)).toEqual([3, 4, 5]);
    expect(logged).toEqual([expect.objectContaining({ level: "warn", fields: expect.objectContaining({ dropped: 2, updateIds: [1, 2] }) })]);
  });

  it("moves a damaged file aside, logs it and starts empty", async () => {
    for (const damaged of ["{ not json", JSON.stringify({ version: 1, updates: [{ message: {} }] }), JSON.stringify([1, 2])]) {
      await rm(dir, { recursive: true, force: true });
      dir = await mkdtemp(join(tmpdir(), "baton-journal-"));
      path = join(dir, "pending.json");
      logged.length = 0;
      await writeFile(path, damaged);
      const journal = new PendingJournal(fileChannelState(dir), log);
      await journal.load();
      expect(journal.size).toBe(0);
      const names = await readdir(dir);
      const aside = names.find((n) => /^pending\.json\.corrupt-\d+$/.test(n));
      expect(aside, damaged).toBeDefined();
      expect(await readFile(join(dir, aside!), "utf8")).toBe(damaged);
      expect(names).not.toContain("pending.json");
      expect(logged).toEqual([
        expect.objectContaining({ level: "error", fields: expect.objectContaining({ path, movedTo: join(dir, aside!) }) }),
      ]);
    }
  });

  it("cleans up temp files a killed writer left behind", async () => {
    await writeFile(join(dir, "pending.json.4242.0badcafe.tmp"), "{ half");
    await writeFile(join(dir, "offset.json.4242.0badcafe.tmp"), "{}"); // not its file
    const journal = new PendingJournal(fileChannelState(dir), log);
    await journal.load();
    expect((await readdir(dir)).sort()).toEqual(["offset.json.4242.0badcafe.tmp"]);
  });

  it("refuses updates it cannot store, and forgets them, so they are not confirmed to Telegram", async () => {
    const journal = new PendingJournal(fileChannelState(join(dir, "missing-parent", "x")), log);
    await journal.load();
    await writeFile(join(dir, "missing-parent"), "a file where a directory should be");
    await expect(journal.add([update(1)])).rejects.toThrow(/the pending-update journal could not be saved: ENOTDIR/);
    expect(journal.has(1)).toBe(false);
    expect(journal.lastUpdateId).toBeUndefined();
    expect(logged.map((e) => e.msg)).toEqual(["telegram: could not save the pending-update journal"]);
    // the same batch, fetched again once storage works, is journaled
    await rm(join(dir, "missing-parent"));
    await mkdir(join(dir, "missing-parent", "x"), { recursive: true });
    await journal.add([update(1)]);
    expect(journal.has(1)).toBe(true);
  });
});

describe("parseJournalFile", () => {
  it("accepts the journal's own shape and names what is wrong otherwise", () => {
    expect(parseJournalFile({ version: 1, updates: [] })).toEqual({ version: 1, updates: [] });
    expect(parseJournalFile({ version: 1, lastUpdateId: 3, updates: [update(3)] })).toEqual({ version: 1, lastUpdateId: 3, updates: [update(3)] });
    expect(() => parseJournalFile(null)).toThrow(/not a JSON object/);
    expect(() => parseJournalFile({ version: 2, updates: [] })).toThrow(/unknown version 2/);
    expect(() => parseJournalFile({ version: 1, lastUpdateId: "3", updates: [] })).toThrow(/lastUpdateId/);
    expect(() => parseJournalFile({ version: 1, updates: {} })).toThrow(/not an array/);
    expect(() => parseJournalFile({ version: 1, updates: [update(1), { update_id: 1.5 }] })).toThrow(/updates\[1\]/);
  });
});
