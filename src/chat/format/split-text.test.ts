import { describe, expect, it } from "vitest";
import { splitText } from "./split-text.js";

describe("splitText", () => {
  it.each([
    ["text that fits", "hello there", 20, ["hello there"]],
    ["nothing", "  \n ", 20, []],
    ["paragraphs", "first paragraph\n\nsecond paragraph", 20, ["first paragraph", "second paragraph"]],
    ["lines", "line one\nline two\nline three", 18, ["line one\nline two", "line three"]],
    ["Windows line ends", "line one\r\nline two", 10, ["line one", "line two"]],
    ["spaces", "one two three four five", 10, ["one two", "three four", "five"]],
    ["an overlong word", "x".repeat(25), 10, ["x".repeat(10), "x".repeat(10), "x".repeat(5)]],
    ["emoji in an overlong word", "😀".repeat(7), 5, ["😀😀", "😀😀", "😀😀", "😀"]],
  ])("splits %s", (_name, text, limit, expected) => {
    expect(splitText(text, limit)).toEqual(expected);
  });

  it("takes a later space over an early paragraph break when asked to fill more", () => {
    const text = "ab\n\ncd ef gh ij kl";
    expect(splitText(text, 12)).toEqual(["ab\n\ncd ef gh", "ij kl"]);
    expect(splitText(text, 12, { minFill: 0.1 })).toEqual(["ab", "cd ef gh ij", "kl"]);
  });
});
