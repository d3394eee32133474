import { describe, expect, it } from "vitest";
import { lastCutIndex, splitsSurrogatePair } from "./boundaries.js";

describe("lastCutIndex", () => {
  it.each([
    ["ASCII", "abcdef", 4, 4],
    ["a ZWJ family", "ab👨‍👩‍👧‍👦cd", 8, 2],
    ["a flag", "a🇫🇷🇩🇪", 6, 5],
    ["a skin tone", "a👋🏽b", 4, 1],
    ["a combining accent", "ae\u0301e\u0301", 2, 1],
    ["an astral letter", "a𝒳𝒳", 2, 1],
  ])("keeps %s whole", (_name, text, max, expected) => {
    expect(lastCutIndex(text, 0, 1, max)).toBe(expected);
  });

  it("falls back to a code point boundary inside an overlong cluster", () => {
    const zalgo = "a" + "\u0301".repeat(100);
    expect(lastCutIndex(zalgo, 0, 1, 50)).toBe(50);
    expect(lastCutIndex("😀😀😀", 0, 1, 3)).toBe(2);
  });

  it("leaves an overlong cluster whole when told not to split one", () => {
    expect(lastCutIndex("ab👨‍👩‍👧‍👦", 2, 3, 6, undefined, false)).toBe(-1);
    expect(lastCutIndex("ab👨‍👩‍👧‍👦", 2, 3, 6)).toBe(5);
  });

  it("finds the same boundaries when it starts segmenting near the end of a long room", () => {
    const text = `${"word ".repeat(100)}🇫🇷🇩🇪🇯🇵 e\u0301e\u0301 👨‍👩‍👧‍👦 tail`;
    const reference = new Set(Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text), (s) => s.index));
    for (let max = 490; max <= text.length; max++) {
      const at = lastCutIndex(text, 0, 1, max);
      expect(reference.has(at) || at === text.length, `max ${max}`).toBe(true);
      expect([...reference].filter((i) => i > at && i <= max)).toEqual([]);
    }
  });

  it("honours the filter and the minimum", () => {
    expect(lastCutIndex("abcdef", 0, 1, 5, (_t, i) => i % 2 === 0)).toBe(4);
    expect(lastCutIndex("abcdef", 0, 5, 4)).toBe(-1);
    expect(lastCutIndex("ab", 0, 1, 2)).toBe(2);
  });
});

describe("splitsSurrogatePair", () => {
  it("finds the middle of a pair", () => {
    expect(["a😀b"].flatMap((t) => [0, 1, 2, 3, 4].map((i) => splitsSurrogatePair(t, i)))).toEqual([false, false, true, false, false]);
  });
});
