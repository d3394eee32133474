import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [999, "1s"],
    [45_000, "45s"],
    [270_000, "4m 30s"],
    [3_600_000, "1h"],
    [3_900_000, "1h 5m"],
    [90_061_000, "1d 1h"],
  ])("%i ms -> %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe("parseDuration", () => {
  it.each([
    ["365d", 365 * 86_400_000],
    ["12h", 12 * 3_600_000],
    ["90m", 90 * 60_000],
    ["2w", 14 * 86_400_000],
    ["1d12h", 36 * 3_600_000],
    [" 30s ", 30_000],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "365", "d", "1y", "-1d", "0d", "1.5h"])("rejects %j", (text) => expect(parseDuration(text)).toBeUndefined());
});
