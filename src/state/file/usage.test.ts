import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { UsageStoreError, type UsageRow } from "../usage.js";
import { FileUsageStore, parseDay, serializeDay } from "./usage.js";

const dirs: string[] = [];
function store(): FileUsageStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-usage-"));
  dirs.push(dir);
  return new FileUsageStore(path.join(dir, "usage"));
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const row = (day: string, over: Partial<UsageRow> = {}): UsageRow => ({
  day,
  agentId: "main",
  sessionKey: "console:cli",
  sender: "",
  model: "anthropic/claude-opus-4-5",
  profileId: "anthropic:default",
  inputTokens: 1,
  outputTokens: 2,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  turns: 1,
  costUsd: 0.001,
  unpricedTurns: 0,
  ...over,
});

describe("FileUsageStore", () => {
  it("writes one 0600 file per day in a 0700 directory", async () => {
    const usage = store();
    await usage.add([row("2026-12-05")]);
    expect(fs.statSync(usage.dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(usage.fileFor("2026-12-05")).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(usage.dir).filter((name) => !name.endsWith(".lock"))).toEqual(["2026-12-05.json"]);
  });

  it("reports a corrupt day and leaves it untouched: adding to it rejects, queries list it and go on", async () => {
    const usage = store();
    await usage.add([row("2026-12-04"), row("2026-12-05")]);
    const file = usage.fileFor("2026-12-05");
    for (const garbage of ["{not json", JSON.stringify({ version: 2, rows: [] }), JSON.stringify({ version: 1, rows: [{ agentId: 1 }] }), JSON.stringify({ version: 1, rows: [{ ...row("x"), turns: -1 }] })]) {
      fs.writeFileSync(file, garbage);
      await expect(usage.add([row("2026-12-05")])).rejects.toThrow(UsageStoreError);
      expect(fs.readFileSync(file, "utf8")).toBe(garbage);
      const result = await usage.query();
      expect(result.rows).toEqual([row("2026-12-04")]);
      expect(result.unreadable).toEqual([{ day: "2026-12-05", location: file, reason: expect.any(String) }]);
    }
  });

  it("ignores files that are not days, and refuses a malformed day before touching anything", async () => {
    const usage = store();
    await usage.add([row("2026-12-05")]);
    fs.writeFileSync(path.join(usage.dir, "notes.json"), "{}");
    fs.writeFileSync(path.join(usage.dir, "2026-12.json"), "{}");
    expect((await usage.query()).rows).toHaveLength(1);
    await expect(usage.add([row("../escape")])).rejects.toThrow(TypeError);
  });

  it("sees a day another process wrote after it was read", async () => {
    const first = store();
    const second = new FileUsageStore(first.dir);
    await first.add([row("2026-12-05")]);
    expect((await first.query()).rows[0].turns).toBe(1);
    await second.add([row("2026-12-05")]);
    expect((await first.query()).rows[0].turns).toBe(2);
  });
});

describe("usage day files (properties)", () => {
  const count = fc.nat({ max: 10_000_000 });
  const storedRow = fc.record({
    agentId: fc.string(),
    sessionKey: fc.string(),
    sender: fc.string(),
    model: fc.string(),
    profileId: fc.string(),
    inputTokens: count,
    outputTokens: count,
    cacheReadTokens: count,
    cacheWriteTokens: count,
    turns: count,
    costUsd: fc.double({ min: 0, max: 1e6, noNaN: true }),
    unpricedTurns: count,
  });

  it("a written day reads back as written, whatever its ids hold", () => {
    fc.assert(
      fc.property(fc.array(storedRow, { maxLength: 8 }), (rows) => {
        const withDay = rows.map((row) => ({ day: "2026-12-05", ...row }));
        expect(parseDay("f", "2026-12-05", serializeDay("2026-12-05", withDay))).toEqual(withDay);
      }),
    );
  });

  it("any file text either parses or is a UsageStoreError, never another exception", () => {
    const text = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((value) => JSON.stringify({ version: 1, rows: [value] })));
    fc.assert(
      fc.property(text, (source) => {
        try {
          expect(Array.isArray(parseDay("f", "2026-12-05", source))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageStoreError);
        }
      }),
    );
  });
});
