import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayBefore, periodIdOfDay, periodOf, sinceDay, utcDay } from "./periods.js";

const at = (iso: string) => Date.parse(iso);

describe("periods", () => {
  it.each([
    ["2026-12-05T04:20:00Z", "day", "2026-12-05", "2026-12-05T00:00:00.000Z", "2026-12-06T00:00:00.000Z"],
    ["2026-12-31T23:59:59.999Z", "day", "2026-12-31", "2026-12-31T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
    ["2026-12-05T04:20:00Z", "month", "2026-12", "2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
    ["2028-02-29T12:00:00Z", "month", "2028-02", "2028-02-01T00:00:00.000Z", "2028-03-01T00:00:00.000Z"],
  ] as const)("%s per %s is %s [%s, %s)", (now, per, id, start, end) => {
    const period = periodOf(per, at(now));
    expect(period).toEqual({ id, start: at(start), end: at(end) });
    expect(periodIdOfDay(per, utcDay(at(now)))).toBe(id);
  });

  it.each([
    ["7d", "2026-11-29"],
    ["1d", "2026-12-05"],
    ["24h", "2026-12-05"],
    ["25h", "2026-12-04"],
    ["2w", "2026-11-22"],
    ["2026-12-01", "2026-12-01"],
    ["2026-02-30", undefined],
    ["seven days", undefined],
    ["", undefined],
    ["0d", undefined],
  ])("--since %j starts at %s", (text, day) => {
    expect(sinceDay(text, at("2026-12-05T04:20:00Z"))).toBe(day);
  });

  it("counts retention in whole days", () => {
    expect(dayBefore(at("2026-12-05T04:20:00Z"), 400)).toBe("2025-10-31");
  });
});

describe("sinceDay (properties)", () => {
  it("never throws; a day it answers is a real day no later than today", () => {
    const now = at("2026-12-05T04:20:00Z");
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{1,4}[smhdw]$/), fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/)), (text) => {
        const day = sinceDay(text, now);
        if (day === undefined) return;
        expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(utcDay(Date.parse(`${day}T00:00:00Z`))).toBe(day);
        if (!/^\d{4}-/.test(text.trim())) expect(day <= "2026-12-05").toBe(true);
      }),
    );
  });
});
