import { describe, expect, it } from "vitest";
import { canCutChatMarkdown, chatMarkdownTokens, lineStartEscape, outsideEscape } from "./chat-markdown.js";
import { renderReply } from "./render.js";

describe("chatMarkdownTokens", () => {
  it.each([
    "**bold** *it* _it_ __under__ ~~s~~ ||sp|| `code` [link](https://x.org) <https://auto>",
    "# Heading\n\n> quote **bold**\n- item\n  1. nested `x`",
    "```ts\nconst a = 1;\n\n```\n\n~~~\n```inner```\n~~~",
    "> ```sh\n> echo hi\n> ```",
    "- ```py\n  x = 1\n  ```",
    "```\n```",
    "```js\nunclosed",
    "\\*escaped\\* **un*closed",
  ])("passes %j through unchanged", (markdown) => {
    expect(
      chatMarkdownTokens(markdown)
        .tokens.map((t) => t.text)
        .join(""),
    ).toBe(markdown);
  });

  it("marks inline spans and fences as frames with their own delimiters", () => {
    const { tokens } = chatMarkdownTokens("see **bold `code`**\n```ts\nx\n```");
    const code = tokens.find((t) => t.kind === "content" && t.text === "code");
    if (code?.kind !== "content") throw new Error("no code token");
    expect(code.frames.map((f) => [f.open, f.close, f.inline, f.code])).toEqual([
      ["**", "**", true, false],
      ["`", "`", true, true],
    ]);
    const body = tokens.find((t) => t.kind === "content" && t.text === "x");
    if (body?.kind !== "content") throw new Error("no code body");
    expect(body.frames.map((f) => [f.open, f.close, f.inline, f.code])).toEqual([["```ts\n", "\n```", false, true]]);
  });

  it("reopens a fence inside a quote or list with the quote marker and indentation only", () => {
    const quoted = chatMarkdownTokens("> ```sh\n> ls\n> ```").tokens.find((t) => t.kind === "content" && t.text === "> ls");
    const listed = chatMarkdownTokens("- ```py\n  x\n  ```").tokens.find((t) => t.kind === "content" && t.text === "  x");
    if (quoted?.kind !== "content" || listed?.kind !== "content") throw new Error("no code body");
    expect([quoted.frames[0].open, quoted.frames[0].close]).toEqual(["> ```sh\n", "\n> ```"]);
    expect([listed.frames[0].open, listed.frames[0].close]).toEqual(["  ```py\n", "\n  ```"]);
  });

  it("leaves an unclosed fence open at the end so the last chunk closes it", () => {
    expect(chatMarkdownTokens("```js\nunclosed").endFrames.map((f) => f.close)).toEqual(["\n```"]);
  });

  it("keeps a heading with the line after it", () => {
    const newline = chatMarkdownTokens("# Title\n\nbody").tokens.find((t) => t.kind === "content" && t.text.includes("\n"));
    expect(newline?.kind === "content" && newline.breakable).toBe(false);
  });
});

describe("lineStartEscape", () => {
  it.each([
    ["# not a heading", 0],
    ["> not a quote", 0],
    ["- not an item", 0],
    ["12. not an item", 2],
    ["3) not an item", 1],
    ["```", 0],
    ["#hashtag", -1],
    ["-5 degrees", -1],
    ["2024 was", -1],
    ["plain", -1],
  ])("escapes %j at %i", (text, at) => {
    expect(lineStartEscape(`xx ${text}`, 3)).toBe(at);
  });
});

describe("a part that reopens a span", () => {
  it("does not let the reopened markup and the text after it form a fence (found by the fast-check property, seed 1319898504)", () => {
    // a strike span cut mid-line: the next part reopens `~~`, and its text starts with `~~~~`
    const parts = renderReply(`~~${"word ".repeat(12)}~~~~tail~~\n\nmore`, "chat-markdown", 64);
    expect(parts).toHaveLength(2);
    expect(parts[1].text.startsWith("~~\\~~~~tail")).toBe(true);
    for (const part of parts) expect(chatMarkdownTokens(part.text).endFrames).toEqual([]);
  });
});

describe("outsideEscape", () => {
  it("keeps a backslash with the character it escapes", () => {
    expect(outsideEscape("a\\*b", 2)).toBe(false);
    expect(outsideEscape("a\\*b", 3)).toBe(true);
    expect(outsideEscape("a\\\\b", 3)).toBe(true);
  });
});

describe("canCutChatMarkdown", () => {
  it("refuses a cut that leaves a bare fence as the rest of the line, and one inside an escape", () => {
    expect(canCutChatMarkdown("a```\nb", 1)).toBe(false);
    expect(canCutChatMarkdown("a ```  ", 1)).toBe(false);
    expect(canCutChatMarkdown("a```b\n", 1)).toBe(true);
    expect(canCutChatMarkdown("a``\n", 1)).toBe(true);
    expect(canCutChatMarkdown("a\\*b", 2)).toBe(false);
  });

  it("keeps a code block whole across parts when its text ends in backticks (fast-check seed -1543708106)", () => {
    const family = "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}";
    const markdown = `\n\`\`\`\n[x](tg://user?id=42)\u00c0a\u0627\u0627a\u0627\u{1d400}${family}a<aaa\u200b${family}\u0627a${"\u0300".repeat(6)}aa${"\u0300".repeat(6)}\u2764\ufe0faaa\u0391a\u0300aaa&amp\u4e00a${family}\u05d0\`\`\`\n\`\`\`\n`;
    const parts = renderReply(markdown, "chat-markdown", 64);
    for (const part of parts) expect(chatMarkdownTokens(part.text).endFrames).toEqual([]);
  });
});

