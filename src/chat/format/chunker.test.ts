import { describe, expect, it } from "vitest";
import { chunkTokens, type ChunkOptions } from "./chunker.js";
import { TokenBuilder, type Frame, type TokenStream } from "./tokens.js";

const BOLD: Frame = { open: "<b>", close: "</b>", inline: true, code: false };
const QUOTE: Frame = { open: "<q>", close: "</q>", inline: false, code: false };
const PRE: Frame = { open: "<pre>", close: "</pre>", inline: false, code: true };

function plain(text: string): TokenStream {
  const b = new TokenBuilder();
  b.content(text);
  return b.finish();
}

function chunk(stream: TokenStream, limit: number, options: Partial<ChunkOptions> = {}): string[] {
  return chunkTokens(stream, { limit, ...options });
}

describe("chunkTokens", () => {
  it("returns the whole text when it fits, and nothing for whitespace", () => {
    expect(chunk(plain("short"), 20)).toEqual(["short"]);
    expect(chunk(plain(" \n\n "), 20)).toEqual([]);
  });

  it.each([
    ["a paragraph break over a later line end", "aaaa aaaa aaaa\n\nbbbb\nbbbb bbbb", 24, ["aaaa aaaa aaaa", "bbbb\nbbbb bbbb"]],
    ["a line end over a later space", "aaaa aaaa\nbbbb bbbb bbbb", 18, ["aaaa aaaa", "bbbb bbbb bbbb"]],
    ["a later space over a paragraph break that leaves the chunk under half full", "aa\n\nbbbb bbbb bbbb bbbb", 16, ["aa\n\nbbbb bbbb", "bbbb bbbb"]],
    ["a space over a hard cut", "aaaa bbbbbbbbbbbbbbbbbbbbbbbb", 12, ["aaaa", "bbbbbbbbbbbb", "bbbbbbbbbbbb"]],
  ])("prefers %s", (_name, text, limit, expected) => {
    expect(chunk(plain(text), limit)).toEqual(expected);
  });

  it("keeps the indentation of the line after a cut", () => {
    expect(chunk(plain("- aaaa\n  - bbbb\n  - cccc"), 12)).toEqual(["- aaaa", "  - bbbb", "  - cccc"]);
  });

  it("closes open frames at a cut and reopens them in the next chunk", () => {
    const b = new TokenBuilder();
    b.content("start ");
    b.open(QUOTE);
    b.content("quoted ");
    b.open(BOLD);
    b.content("one two three four five");
    b.close();
    b.content(" end");
    b.close();
    const chunks = chunk(b.finish(), 27);
    expect(chunks.join("|")).toBe("start <q>quoted</q>|<q><b>one two three</b></q>|<q><b>four five</b> end</q>");
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(27);
  });

  it("prefers a space outside an inline span to one inside it", () => {
    const b = new TokenBuilder();
    b.content("outside words here ");
    b.open(BOLD);
    b.content("bold words here");
    b.close();
    b.content(" tail");
    expect(chunk(b.finish(), 30)).toEqual(["outside words here", "<b>bold words here</b> tail"]);
  });

  it("never leaves an empty span at a cut", () => {
    const b = new TokenBuilder();
    b.content("aaaaaaaaaa");
    b.open(BOLD);
    b.content(" bbbbbbbbbb ");
    b.close();
    b.content(" cc");
    for (let limit = 16; limit <= 30; limit++) {
      for (const c of chunk(b.finish(), limit)) {
        expect(c).not.toMatch(/<b>\s*<\/b>/);
        expect(c.length).toBeLessThanOrEqual(limit);
      }
    }
  });

  it("splits code only at line ends and keeps its whitespace", () => {
    const b = new TokenBuilder();
    b.open(PRE);
    b.content("if a:\n    b()\n\n    c()");
    b.close();
    expect(chunk(b.finish(), 24)).toEqual(["<pre>if a:\n    b()</pre>", "<pre>\n    c()</pre>"]);
  });

  it("closes frames still open at the end of the stream", () => {
    const b = new TokenBuilder();
    b.open(PRE);
    b.content("line one\nline two");
    expect(chunk(b.finish(), 100)).toEqual(["<pre>line one\nline two</pre>"]);
    expect(chunk(b.finish(), 20)).toEqual(["<pre>line one</pre>", "<pre>line two</pre>"]);
  });

  it("sends text bare when the markup around it leaves no room", () => {
    const wide: Frame = { open: `<a href="${"x".repeat(40)}">`, close: "</a>", inline: true, code: false };
    const b = new TokenBuilder();
    b.open(wide);
    b.content("label words");
    b.close();
    expect(chunk(b.finish(), 20)).toEqual(["label words"]);
  });

  it("never cuts where the filter forbids", () => {
    const chunks = chunk(plain("&amp;".repeat(10)), 12, { canCutAt: (text, i) => text[i] === "&" || i === text.length });
    expect(chunks).toEqual(["&amp;&amp;", "&amp;&amp;", "&amp;&amp;", "&amp;&amp;", "&amp;&amp;"]);
  });

  it("asks for a line-start escape only after a cut in the middle of a line", () => {
    const seen: string[] = [];
    const escapeLineStart = (text: string, at: number) => {
      seen.push(text.slice(at, at + 3));
      return text.startsWith("# ", at) ? 0 : -1;
    };
    expect(chunk(plain("aaaa aaaa # not heading\n# real"), 10, { escapeLineStart })).toEqual(["aaaa aaaa", "\\# not", "heading", "# real"]);
    expect(seen).toEqual(["# n", "hea"]);
  });

  it("stays within every limit and loses nothing", () => {
    const b = new TokenBuilder();
    b.content("Intro with some words.\n\n");
    b.open(QUOTE);
    b.content("quote ");
    b.open(BOLD);
    b.content("bold 👨‍👩‍👧 emoji longwordlongwordlongword");
    b.close();
    b.close();
    b.content("\n\n");
    b.open(PRE);
    b.content("code line one\n  code line two");
    b.close();
    const stream = b.finish();
    for (let limit = 16; limit <= 90; limit++) {
      const chunks = chunk(stream, limit);
      for (const c of chunks) expect(c.length).toBeLessThanOrEqual(limit);
      const words = (s: string) => s.replace(/<\/?\w+>/g, "").replace(/\s+/g, "");
      expect(words(chunks.join(""))).toBe(words(stream.tokens.map((t) => t.text).join("")));
    }
  });

  it("cuts between two spans when no space fits (a run of one-letter spans is one chunk, not one per letter)", () => {
    const b = new TokenBuilder();
    for (let k = 0; k < 30; k++) {
      b.open(BOLD);
      b.content("a");
      b.close();
      b.content("b");
    }
    // 30 × "<b>a</b>b" is 270 characters: four pairs (36) per chunk of 40.
    const chunks = chunk(b.finish(), 40);
    expect(chunks.length).toBe(8);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(40);
      expect(c).not.toMatch(/<b><\/b>/);
    }
    expect(chunks.join("").replace(/<\/?b>/g, "")).toBe("ab".repeat(30));
  });

  it("counts what the platform counts: markup widths and HTML entities as one character", () => {
    const TAG: Frame = { open: "<i>", close: "</i>", inline: true, code: false, openWidth: 0, closeWidth: 0 };
    const b = new TokenBuilder();
    b.open(TAG, "<i>", false, 0);
    b.content("&lt;&lt;&lt;&lt; &amp;&amp;&amp;&amp;");
    b.close("</i>", false, 0);
    expect(chunk(b.finish(), 9, { html: true })).toEqual(["<i>&lt;&lt;&lt;&lt; &amp;&amp;&amp;&amp;</i>"]);
    expect(chunk(b.finish(), 8, { html: true })).toEqual(["<i>&lt;&lt;&lt;&lt;</i>", "<i>&amp;&amp;&amp;&amp;</i>"]);
  });

  it("fills chunks closer to the limit when the preferred split points would make more than maxChunks", () => {
    const text = Array.from({ length: 10 }, () => "aaaaaa bb").join("\n\n");
    expect(chunk(plain(text), 12)).toHaveLength(10);
    const filled = chunk(plain(text), 12, { maxChunks: 9 });
    expect(filled.length).toBeLessThanOrEqual(9);
    for (const c of filled) expect(c.length).toBeLessThanOrEqual(12);
    expect(filled.join("").replace(/\s/g, "")).toBe(text.replace(/\s/g, ""));
  });

  it("moves a grapheme cluster that does not fit after other text to the next chunk", () => {
    const family = "👨‍👩‍👧‍👦";
    expect(chunk(plain(`abcdefg${family}`), 12)).toEqual(["abcdefg", family]);
  });
});
