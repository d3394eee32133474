import { describe, expect, it } from "vitest";
import { CatchUpMarks, compareIds, DEFAULT_CATCH_UP, fetchAfter, MAX_WATCHED, readRecord, snowflakeAt, timeOfId } from "./catch-up.js";

const chat = { chatId: "500" };

describe("CatchUpMarks", () => {
  it("watches a channel from its first addressed message and moves the mark as messages are done", () => {
    const marks = new CatchUpMarks();
    expect(marks.dispatched(chat, "1000", false, 1)).toBe(false);
    expect(marks.isWatched("500")).toBe(false);
    marks.dispatched(chat, "1001", true, 2);
    expect(marks.watched()[0].last).toBe("1000");
    marks.dispatched(chat, "1002", false, 3);
    marks.settled("500", "1001", "done");
    expect(marks.watched()[0]).toMatchObject({ last: "1001" });
    marks.settled("500", "1002", "done");
    expect(marks.watched()[0]).toMatchObject({ last: "1002" });
    expect(marks.watched()[0].doneAfter).toBeUndefined();
  });

  it("an open or abandoned message holds the mark back; messages done past it are remembered", () => {
    const marks = new CatchUpMarks();
    marks.dispatched(chat, "2001", true, 1);
    marks.dispatched(chat, "2002", true, 1);
    marks.dispatched(chat, "2003", true, 1);
    marks.settled("500", "2001", "done");
    marks.settled("500", "2002", "abandoned");
    marks.settled("500", "2003", "done");
    const [mark] = marks.record().channels;
    expect(mark).toMatchObject({ last: "2001", doneAfter: ["2003"] });
    const restarted = new CatchUpMarks(readRecord(JSON.parse(JSON.stringify(marks.record()))));
    expect(restarted.isDone("500", "2001")).toBe(true);
    expect(restarted.isDone("500", "2002")).toBe(false);
    expect(restarted.isDone("500", "2003")).toBe(true);
    restarted.dispatched(chat, "2002", true, 2);
    restarted.settled("500", "2002", "done");
    expect(restarted.record().channels[0]).toMatchObject({ last: "2003" });
    expect(restarted.record().channels[0].doneAfter).toBeUndefined();
  });

  it(`keeps the ${MAX_WATCHED} most recently active channels`, () => {
    const marks = new CatchUpMarks();
    for (let i = 0; i < MAX_WATCHED + 3; i++) marks.dispatched({ chatId: String(i) }, String(10_000 + i), true, i);
    expect(marks.watched()).toHaveLength(MAX_WATCHED);
    expect(marks.isWatched("0")).toBe(false);
    expect(marks.isWatched(String(MAX_WATCHED + 2))).toBe(true);
  });

  it("reads only sound records", () => {
    expect(readRecord(undefined)).toEqual({ version: 1, channels: [] });
    expect(readRecord({ channels: [{ chatId: "1", last: "x", at: 1 }, { chatId: "2", last: "5", at: 1 }, null] }).channels.map((c) => c.chatId)).toEqual(["2"]);
  });
});

describe("snowflakes", () => {
  it("orders ids numerically and maps times both ways", () => {
    expect(compareIds("9", "10")).toBeLessThan(0);
    const t = Date.parse("2026-12-05T04:00:00Z");
    expect(timeOfId(snowflakeAt(t))).toBe(t);
  });

  it("fetches after the mark, or after the age limit when the mark is older", () => {
    const now = Date.parse("2026-12-05T04:00:00Z");
    const recent = { chatId: "1", last: snowflakeAt(now - 60_000), at: now };
    const old = { chatId: "1", last: snowflakeAt(now - 3_600_000), at: now };
    expect(fetchAfter(recent, now, DEFAULT_CATCH_UP)).toBe(recent.last);
    expect(fetchAfter(old, now, DEFAULT_CATCH_UP)).toBe(snowflakeAt(now - DEFAULT_CATCH_UP.maxAgeMs));
  });
});
