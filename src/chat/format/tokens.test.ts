import { describe, expect, it } from "vitest";
import { closeMarkup, reopenMarkup, TokenBuilder, type Frame } from "./tokens.js";

const B: Frame = { open: "<b>", close: "</b>", inline: true, code: false };
const Q: Frame = { open: "<q>", close: "</q>", inline: false, code: false };

describe("TokenBuilder", () => {
  it("merges adjacent content of the same context and tracks open frames", () => {
    const b = new TokenBuilder();
    b.content("a");
    b.content("b");
    b.content("• ", false);
    b.open(Q);
    b.open(B, "**");
    b.content("c");
    b.close("**");
    const { tokens, endFrames } = b.finish();
    expect(tokens.map((t) => [t.kind, t.text, t.kind === "markup" ? t.role : t.frames.length])).toEqual([
      ["content", "ab", 0],
      ["content", "• ", 0],
      ["markup", "<q>", "open"],
      ["markup", "**", "open"],
      ["content", "c", 2],
      ["markup", "**", "close"],
    ]);
    expect(endFrames).toEqual([Q]);
  });

  it("refuses to close what is not open", () => {
    expect(() => new TokenBuilder().close()).toThrow();
  });
});

describe("reopenMarkup / closeMarkup", () => {
  it("reopen outermost first and close innermost first", () => {
    expect(reopenMarkup([Q, B])).toBe("<q><b>");
    expect(closeMarkup([Q, B])).toBe("</b></q>");
  });
});
