import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chatMarkdownTokens } from "./chat-markdown.js";
import { markdownToPlain, maxReplyParts, renderReplyDetailed, type ReplyFormat } from "./render.js";
import {
  alnum,
  brokenCluster,
  countedLength,
  countedText,
  chatMarkdownProblem,
  isSubsequence,
  LONE_SURROGATE,
  MarkdownGenerator,
  mulberry32,
  readableLetters,
  htmlProblem,
} from "./test-harness.js";

/**
 * Properties of renderReply over random Markdown: whatever the model writes, every format and
 * limit gives parts a platform accepts, no more of them than the bound, and all of the text.
 * fast-check prints the seed and the shrunk counterexample of a failure; pass `{ seed, path }`
 * to fc.assert to replay it. Then the same at scale: 200 KB replies and nesting thousands deep.
 */

const FORMATS: readonly ReplyFormat[] = ["html", "chat-markdown", "plain"];
const LIMITS = [64, 200, 2000, 4096] as const;

const char = (min: number, max: number) => fc.integer({ min, max }).map((code) => String.fromCodePoint(code));

/**
 * One user-perceived character that never joins onto the one before it: scripts left-to-right
 * and right-to-left, astral letters and emoji (surrogate pairs), ZWJ sequences, flags, letters
 * with combining marks, invisible and bidi controls, and the characters HTML escapes.
 */
const character = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789") },
  char(0xc0, 0x24f), // Latin-1 and Latin Extended letters
  char(0x391, 0x3c9), // Greek
  char(0x410, 0x44f), // Cyrillic
  char(0x5d0, 0x5ea), // Hebrew
  char(0x627, 0x64a), // Arabic
  char(0x4e00, 0x9fff), // CJK
  char(0x1d400, 0x1d7ff), // mathematical letters (surrogate pairs)
  char(0x1f300, 0x1f64f).filter((ch) => !/[\u{1f3fb}-\u{1f3ff}]/u.test(ch)), // emoji, skin tones left out (they join)
  fc.constantFrom("👨‍👩‍👧‍👦", "🏳️‍🌈", "👩🏽‍💻", "🧑🏿‍🤝‍🧑🏻", "👋🏽", "❤️", "🇫🇷", "🇯🇵", "1️⃣"),
  fc.tuple(fc.constantFrom("a", "e", "o", "Z", "и"), fc.array(char(0x300, 0x36f), { minLength: 1, maxLength: 6 })).map(([base, marks]) => base + marks.join("")),
  fc.constantFrom("\u200b", "\u202e", "\u2067", "\u2069", "\u00a0", "\u3000"),
  fc.constantFrom("<", ">", "&", '"', "'", "<b>", "</a>", "&amp", "&#65"),
);

const word = fc.array(character, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(""));

/** Markdown syntax, whole and in pieces, that a reply may hold anywhere. */
const markup = fc.constantFrom(
  ...["*", "**", "***", "_", "__", "~~", "||", "`", "``", "```", "```ts\n", "\n```\n", "~~~\n"],
  ...[">", "> ", ">> ", "#", "# ", "### ", "- ", "* ", "+ ", "1. ", "2) ", "10. ", "007. ", "  ", "    ", "\t"],
  ...["\n", "\n", "\n", "\n\n", " ", " ", " ", " ", "|", "[", "]", "!", "\\", "---", "\n---\n", "***\n", "- - -"],
  ...["[link](https://example.com/a_b)", "](https://x.org)", "<https://example.org/x>", "https://example.net/p?q=1&r=2"],
  ...["[x](tg://user?id=42)", "![img](https://example.com/i.png)", "<ab@example.co>", "[label](<https://x.org/a b>)"],
);

/** Markup and words in any order: what a model writes on a bad day. */
const soup = (maxPieces: number) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: word }, { weight: 2, arbitrary: markup }), { maxLength: maxPieces, size: "max" }).map((pieces) => pieces.join(""));

/** A reply and a limit; replies long enough to need several parts at every limit (small limits drawn more: they cut more). */
const soupCase = fc
  .oneof({ weight: 3, arbitrary: fc.constantFrom(64, 200) }, { weight: 1, arbitrary: fc.constantFrom(2000, 4096) })
  .chain((limit) => fc.tuple(soup(limit === 64 ? 150 : limit === 200 ? 300 : 1800), fc.constant(limit)));

/** Realistic replies (headings, lists, quotes, code, links, odd words) from a seeded generator. */
const documentCase = fc.tuple(fc.integer(), fc.constantFrom(...LIMITS)).map(([seed, limit]) => [new MarkdownGenerator(mulberry32(seed)).document(), limit] as const);

/**
 * Everything a user depends on, for one reply, format and limit. Returns whether the reply went
 * literally. `balancedSource`: the reply's own `**`, `~~` and backticks pair up, so any unpaired
 * one in a Discord part would be the splitter's doing.
 */
function checkReply(markdown: string, format: ReplyFormat, limit: number, balancedSource = false): boolean {
  const { parts, literal } = renderReplyDetailed(markdown, format, limit);
  if (markdown.trim() === "") {
    expect(parts).toEqual([]);
    return false;
  }
  expect(parts.length).toBeGreaterThan(0);
  expect(parts.length).toBeLessThanOrEqual(maxReplyParts(markdown, limit));
  for (const part of parts) {
    expect(countedLength(part.text, format)).toBeLessThanOrEqual(limit);
    expect(part.plainText.length).toBeLessThanOrEqual(limit);
    expect(part.text).not.toBe("");
    expect(part.plainText).not.toBe("");
    expect(part.text).not.toMatch(LONE_SURROGATE);
    expect(part.plainText).not.toMatch(LONE_SURROGATE);
    expect(brokenCluster(countedText(part.text, format))).toBeUndefined();
    expect(brokenCluster(part.plainText)).toBeUndefined();
    if (format === "html") expect(htmlProblem(part.text)).toBe("");
    if (format === "chat-markdown" && !literal) {
      // Every fence a part opens, it closes (a cut in code closes the fence and the next part reopens it).
      expect(chatMarkdownTokens(part.text).endFrames).toEqual([]);
      if (balancedSource) expect(chatMarkdownProblem(part.text)).toBe("");
    }
    if (format === "plain") expect(part.text).toBe(part.plainText);
  }
  const said = alnum(parts.map((p) => p.plainText).join("\n"));
  expect(isSubsequence(readableLetters(markdown), said)).toBe(true);
  return literal;
}

/** CPU-bound: ~5 s alone, several times that beside the rest of the suite on two cores. */
const PROPERTY_TIMEOUT_MS = 180_000;

describe("renderReply properties", () => {
  for (const format of FORMATS) {
    it(`${format}: any mix of markup and Unicode gives bounded, well-formed parts with all the text`, () => {
      fc.assert(
        fc.property(soupCase, ([markdown, limit]) => {
          checkReply(markdown, format, limit);
        }),
        { numRuns: 1000 },
      );
    }, PROPERTY_TIMEOUT_MS);

    it(`${format}: realistic replies keep their formatting at the real limits`, () => {
      fc.assert(
        fc.property(documentCase, ([markdown, limit]) => {
          const literal = checkReply(markdown, format, limit, true);
          // Only a reply whose formatting shows nothing (a blank code block) goes literally at the real limits.
          if (limit >= 2000 && markdownToPlain(markdown).trim()) expect(literal).toBe(false);
        }),
        { numRuns: 300 },
      );
    }, PROPERTY_TIMEOUT_MS);
  }
});

describe("renderReply at scale", () => {
  it("renders 20,000 nested emphasis spans without overflowing the stack", () => {
    const markdown = `${"*_".repeat(10_000)}x${"_*".repeat(10_000)}`;
    for (const format of FORMATS) {
      const parts = renderReplyDetailed(markdown, format, 4096).parts;
      expect(parts.length).toBeLessThanOrEqual(maxReplyParts(markdown, 4096));
      expect(parts.map((p) => p.plainText).join("")).toContain("x");
    }
  });

  // Each of these took from 8 s to over 3 minutes before the parser and splitter were made linear.
  it.each([
    ["[a](", "plain"],
    ["*a", "html"],
    ["a* ", "chat-markdown"],
    ["\\", "chat-markdown"],
    ["&", "html"],
    ["*_", "plain"],
  ] as const)("renders 200 KB of %j (%s) in seconds, not minutes", (unit, format) => {
    const markdown = unit.repeat(Math.ceil(200_000 / unit.length));
    const started = performance.now();
    const { parts } = renderReplyDetailed(markdown, format, format === "chat-markdown" ? 2000 : 4096);
    const elapsed = performance.now() - started;
    expect(parts.length).toBeLessThanOrEqual(maxReplyParts(markdown, format === "chat-markdown" ? 2000 : 4096));
    expect(elapsed).toBeLessThan(6000);
  });
});
