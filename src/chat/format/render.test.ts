import { describe, expect, it } from "vitest";
import type { OutboundMessage } from "../../plugin-api.js";
import { markdownToPlain, markdownToHtml, maxReplyParts, renderReply, renderReplyDetailed, type ReplyFormat } from "./render.js";
import {
  alnum,
  countedLength,
  chatMarkdownProblem,
  isSubsequence,
  LONE_SURROGATE,
  MarkdownGenerator,
  mulberry32,
  htmlProblem,
} from "./test-harness.js";


/** Everything a user depends on for any reply, format and limit. */
function expectSoundParts(markdown: string, format: ReplyFormat, limit: number, parts: OutboundMessage[]): void {
  const where = `format ${format}, limit ${limit}, input ${JSON.stringify(markdown.slice(0, 300))}`;
  for (const part of parts) {
    expect(countedLength(part.text, format), where).toBeLessThanOrEqual(limit);
    expect(part.plainText.length, where).toBeLessThanOrEqual(limit);
    expect(part.plainText.trim(), where).not.toBe("");
    expect(LONE_SURROGATE.test(part.text), `lone surrogate in ${JSON.stringify(part.text)}; ${where}`).toBe(false);
    expect(LONE_SURROGATE.test(part.plainText), where).toBe(false);
    expect(part.buttons).toBeUndefined();
    expect(part.ephemeral).toBeUndefined();
    if (format === "html") expect(htmlProblem(part.text), `${part.text}\n${where}`).toBe("");
    if (format === "chat-markdown") expect(chatMarkdownProblem(part.text), `${part.text}\n${where}`).toBe("");
    if (format === "plain") expect(part.text).toBe(part.plainText);
  }
  // No words lost: every letter and digit of the readable reply, in order.
  const said = parts.map((p) => p.plainText).join("\n");
  expect(isSubsequence(alnum(markdownToPlain(markdown)), alnum(said)), `words lost; ${where}\n${said}`).toBe(true);
}

// ---------- tests ----------

describe("renderReply", () => {
  it.each([
    ["html", "**bold** and `code` & <script>", "<b>bold</b> and <code>code</code> &amp; &lt;script&gt;", "bold and code & <script>"],
    ["chat-markdown", "**bold** and `code` & <script>", "**bold** and `code` & <script>", "bold and code & <script>"],
    ["plain", "**bold** and `code` & <script>", "bold and code & <script>", "bold and code & <script>"],
    ["html", "# Heading\n\n- one\n- two", "<b>Heading</b>\n\n• one\n• two", "Heading\n\n• one\n• two"],
    ["chat-markdown", "# Heading\n\n- one\n- two", "# Heading\n\n- one\n- two", "Heading\n\n• one\n• two"],
    ["plain", "[docs](https://docs.example)", "docs (https://docs.example)", "docs (https://docs.example)"],
    ["html", "[docs](https://docs.example)", '<a href="https://docs.example">docs</a>', "docs (https://docs.example)"],
  ] as const)("formats a short reply as one part (%s: %j)", (format, markdown, text, plainText) => {
    expect(renderReply(markdown, format, 4096)).toEqual([{ text, plainText }]);
  });

  it.each(["", "   ", "\n\n\t\n"])("gives no parts for an empty or whitespace-only reply (%j)", (markdown) => {
    for (const format of ["html", "chat-markdown", "plain"] as const) expect(renderReply(markdown, format, 4096)).toEqual([]);
  });

  it("rejects a limit too small to hold any markup", () => {
    expect(() => renderReply("hello", "plain", 10)).toThrow(RangeError);
  });

  it("escapes markup-looking text for Telegram", () => {
    const [part] = renderReply('<script>alert("x")</script> & <b>not bold</b>', "html", 4096);
    expect(part.text).toBe('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;not bold&lt;/b&gt;');
    expect(part.plainText).toBe('<script>alert("x")</script> & <b>not bold</b>');
  });

  it("splits a code block across Telegram parts, keeping the language and closing every part", () => {
    const code = Array.from({ length: 80 }, (_, k) => `  line(${k}) < limit && ok;`).join("\n");
    const parts = renderReply(`Intro.\n\n\`\`\`typescript\n${code}\n\`\`\`\n\nOutro.`, "html", 600);
    expect(parts.length).toBeGreaterThan(3);
    const codeParts = parts.filter((p) => p.text.includes("<pre>") || p.text.includes("<pre><code"));
    expect(codeParts.length).toBeGreaterThan(2);
    for (const part of codeParts) {
      expect(part.text).toContain('<pre><code class="language-typescript">');
      expect(part.text).toContain("</code></pre>");
      expect(htmlProblem(part.text)).toBe("");
    }
    // Lines are split at line ends, indentation kept.
    const lines = parts.flatMap((p) => p.plainText.split("\n")).filter((l) => l.includes("line("));
    expect(lines).toEqual(code.split("\n"));
  });

  it("splits a code block across Discord parts, reopening the fence with its language", () => {
    const code = Array.from({ length: 120 }, (_, k) => `    print(${k})  # step`).join("\n");
    const parts = renderReply(`Run this:\n\n\`\`\`python\n${code}\n\`\`\`\n\nDone.`, "chat-markdown", 500);
    const codeParts = parts.filter((p) => p.text.includes("print("));
    expect(codeParts.length).toBeGreaterThan(2);
    for (const part of codeParts) {
      // The first code line of every part sits right under a python fence, and every fence closes.
      expect(part.text).toMatch(/```python\n {4}print\(/);
      expect(chatMarkdownProblem(part.text)).toBe("");
    }
    const lines = parts.flatMap((p) => p.text.split("\n")).filter((l) => l.includes("print("));
    expect(lines).toEqual(code.split("\n"));
  });

  it("splits a Discord fence inside a quote, reopening it inside the quote", () => {
    const code = Array.from({ length: 40 }, (_, k) => `> step ${k} of the quoted program`).join("\n");
    const parts = renderReply(`> Quoted code:\n> \`\`\`sh\n${code}\n> \`\`\``, "chat-markdown", 300);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts.slice(1)) {
      expect(part.text.startsWith("> ```sh\n")).toBe(true);
      expect(part.text.endsWith("\n> ```")).toBe(true);
    }
  });

  it("keeps Discord bold and inline code spans whole when a space outside them fits", () => {
    const sentence = "plain words here then **a bold phrase that should stay together** and `inline code span` again";
    const parts = renderReply(Array.from({ length: 30 }, () => sentence).join(" "), "chat-markdown", 300);
    for (const part of parts) {
      expect(chatMarkdownProblem(part.text)).toBe("");
      expect((part.text.match(/\*\*a bold phrase that should stay together\*\*/g) ?? []).length * 2).toBe((part.text.match(/\*\*/g) ?? []).length);
      expect(part.text.match(/`/g)?.length ?? 0).toBe((part.text.match(/`inline code span`/g) ?? []).length * 2);
    }
  });

  const longWords = Array.from({ length: 80 }, (_, k) => `word${k}`).join(" ");

  it.each([
    ["bold", "**", "**"],
    ["italic", "*", "*"],
    ["underscore italic", "_", "_"],
    ["strikethrough", "~~", "~~"],
    ["spoiler", "||", "||"],
    ["inline code", "`", "`"],
    ["link", "[", "](https://x.org/page)"],
  ])("closes and reopens a Discord %s span longer than a part", (_name, open, close) => {
    const parts = renderReply(`${open}${longWords}${close}`, "chat-markdown", 120);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.text.startsWith(open) && part.text.endsWith(close), part.text).toBe(true);
      expect(part.plainText).not.toContain(open === "[" ? "[" : open);
    }
  });

  it.each([
    ["bold", "**", "<b>", "</b>"],
    ["italic", "_", "<i>", "</i>"],
    ["strikethrough", "~~", "<s>", "</s>"],
    ["spoiler", "||", "<tg-spoiler>", "</tg-spoiler>"],
    ["inline code", "`", "<code>", "</code>"],
  ])("closes and reopens a Telegram %s span longer than a part", (_name, delimiter, open, close) => {
    const parts = renderReply(`${delimiter}${longWords}${delimiter}`, "html", 120);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.text.startsWith(open) && part.text.endsWith(close), part.text).toBe(true);
      expect(htmlProblem(part.text)).toBe("");
    }
  });

  it("closes and reopens a Telegram quote holding bold text", () => {
    const parts = renderReply(`> intro **${longWords}** outro`, "html", 150);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.text.startsWith("<blockquote>") && part.text.endsWith("</blockquote>"), part.text).toBe(true);
      expect(htmlProblem(part.text)).toBe("");
    }
  });

  it("escapes a Discord part that would otherwise start with block markup", () => {
    const text = `${"a".repeat(63)} # not a heading ${"more ".repeat(20)}`;
    const parts = renderReply(text, "chat-markdown", 64);
    expect(parts[0].text).toBe("a".repeat(63));
    expect(parts[1].text.startsWith("\\# not a heading")).toBe(true);
    expect(parts[1].plainText.startsWith("# not a heading")).toBe(true);
    expectSoundParts(text, "chat-markdown", 64, parts);
  });

  it("never splits emoji sequences or surrogate pairs", () => {
    const family = "👨‍👩‍👧‍👦";
    const text = family.repeat(200);
    for (const format of ["html", "chat-markdown", "plain"] as const) {
      const parts = renderReply(text, format, 100);
      expect(parts.length).toBeGreaterThan(1);
      const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
      for (const part of parts) {
        for (const { segment } of segmenter.segment(part.text)) expect(segment).toBe(family);
      }
      expect(parts.map((p) => p.text).join("")).toBe(text);
    }
    const flags = "🇫🇷🇩🇪🇯🇵".repeat(60) + " " + "𝒳".repeat(300);
    for (const part of renderReply(flags, "plain", 65)) {
      expect(LONE_SURROGATE.test(part.text)).toBe(false);
      expect(part.text.replace(/🇫🇷|🇩🇪|🇯🇵|𝒳/gu, "")).toBe("");
    }
  });

  it("prefers paragraph boundaries, then line ends, then spaces", () => {
    const paragraph = (n: number) => Array.from({ length: n }, (_, k) => `w${k}`).join(" ");
    const markdown = [paragraph(60), paragraph(60), paragraph(60)].join("\n\n");
    const parts = renderReply(markdown, "plain", 400);
    expect(parts.map((p) => p.text)).toEqual([paragraph(60), paragraph(60), paragraph(60)]);
    const lines = Array.from({ length: 12 }, (_, k) => `line ${k} ${paragraph(4)}`).join("\n");
    for (const part of renderReply(lines, "plain", 100)) expect(part.text).toMatch(/^line \d+ [\s\S]*w3$/);
  });

  it("cuts a single overlong word only when it has to", () => {
    const word = "x".repeat(250);
    const parts = renderReply(`short words first ${word} after`, "plain", 100);
    expect(parts.map((p) => p.text)).toEqual(["short words first", "x".repeat(100), "x".repeat(100), `${"x".repeat(50)} after`]);
  });

  it("does not break an HTML entity when cutting a long word for Telegram", () => {
    const parts = renderReply("&".repeat(500), "html", 101);
    for (const part of parts) expect(htmlProblem(part.text)).toBe("");
    expect(parts.map((p) => p.plainText).join("")).toBe("&".repeat(500));
  });

  it("wraps a part that starts inside a link with the link again", () => {
    const label = Array.from({ length: 60 }, (_, k) => `label${k}`).join(" ");
    const parts = renderReply(`[${label}](https://example.com/page)`, "html", 200);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.text.startsWith('<a href="https://example.com/page">')).toBe(true);
      expect(part.text.endsWith("</a>")).toBe(true);
      expect(part.plainText.endsWith(" (https://example.com/page)")).toBe(true);
    }
  });

  describe("a 10,000-character reply with mixed markup", () => {
    const section = (k: number) =>
      [
        `## Section ${k}: **status** of \`profile-${k}\``,
        `Paragraph ${k} explains _why_ the ~~old~~ new cooldown ladder matters; see [the docs](https://example.com/docs/${k}) & <notes>. ` +
          "Claude writes long paragraphs with several sentences, each adding a detail about profiles, tokens and failover. ".repeat(3),
        `- first point for ${k}\n- second point with **bold** text\n  - nested detail\n1. step one\n2. step two`,
        `> A quoted remark about section ${k}, with *emphasis*.`,
        "```ts\n" + Array.from({ length: 6 }, (_, j) => `const value${j} = compute(${k}, ${j}) < limit && ready;`).join("\n") + "\n```",
      ].join("\n\n");
    let markdown = "";
    for (let k = 0; markdown.length < 10_000; k++) markdown += (k ? "\n\n" : "") + section(k);

    it.each([
      ["html", 4096],
      ["html", 2000],
      ["chat-markdown", 2000],
      ["chat-markdown", 4096],
      ["plain", 4096],
      ["plain", 2000],
    ] as const)("splits for %s at %i into well-formed, well-filled parts", (format, limit) => {
      expect(markdown.length).toBeGreaterThanOrEqual(10_000);
      const parts = renderReply(markdown, format, limit);
      expectSoundParts(markdown, format, limit, parts);
      const total = parts.reduce((sum, p) => sum + countedLength(p.text, format), 0);
      expect(parts.length).toBeLessThanOrEqual(Math.ceil(total / limit) + 2);
      for (const part of parts.slice(0, -1)) expect(countedLength(part.text, format)).toBeGreaterThanOrEqual(limit / 2);
      // Every part ends where a block ends, and never with a heading cut off from its section.
      const plain = markdownToPlain(markdown);
      for (const part of parts.slice(0, -1)) {
        expect(plain).toContain(`${part.plainText}\n\n`);
        expect(part.plainText).not.toMatch(/Section \d+: status of profile-\d+$/);
      }
    });
  });

  it("agrees with the unsplit converters when the reply fits", () => {
    const generator = new MarkdownGenerator(mulberry32(7));
    for (let n = 0; n < 50; n++) {
      const markdown = generator.paragraph(8);
      const [part] = renderReply(markdown, "html", 100_000);
      expect(part.text).toBe(markdownToHtml(markdown));
      expect(part.plainText).toBe(markdownToPlain(markdown));
    }
  });

  describe("whatever the markup, a bounded number of parts", () => {
    it.each([
      ["html", "*a", 1500, 4096, 1],
      ["html", "_a", 1500, 4096, 1],
      ["html", "~~a", 1000, 4096, 1],
      ["html", "`a", 1500, 4096, 1],
      ["chat-markdown", "*a", 2000, 2000, 2],
      ["chat-markdown", "||a", 1300, 2000, 2],
      ["plain", "*a", 1500, 4096, 1],
    ] as const)("%s: %j repeated %i times at %i is %i part(s)", (format, unit, times, limit, count) => {
      const markdown = unit.repeat(times);
      const parts = renderReply(markdown, format, limit);
      expect(parts).toHaveLength(count);
      expectSoundParts(markdown, format, limit, parts);
    });

    it("counts Telegram HTML as Telegram does: the parsed text, not the tags", () => {
      const [part] = renderReply("*a".repeat(1500), "html", 4096);
      expect(part.text.length).toBeGreaterThan(4096);
      expect(part.text.startsWith("<i>a</i>a<i>a</i>")).toBe(true);
      expect(countedLength(part.text, "html")).toBe(1500);
      expect(part.plainText).toBe("a".repeat(1500));
    });

    it("counts a link's URL against the limit of the plain-text fallback", () => {
      const link = `[label](https://example.com/${"p".repeat(40)})`;
      const parts = renderReply(Array.from({ length: 60 }, () => link).join(" "), "html", 300);
      for (const part of parts) expect(part.plainText.length).toBeLessThanOrEqual(300);
      expect(parts.length).toBeLessThanOrEqual(maxReplyParts(Array.from({ length: 60 }, () => link).join(" "), 300));
    });

    it("fills parts closer to the limit when the preferred split points would make too many", () => {
      // Paragraphs just over half a part: split at each would need ~2x the parts.
      const paragraph = (k: number) => `p${k} ${"word ".repeat(22)}`.trim();
      const markdown = Array.from({ length: 20 }, (_, k) => paragraph(k)).join("\n\n");
      const parts = renderReply(markdown, "plain", 200);
      expect(parts.length).toBeLessThanOrEqual(maxReplyParts(markdown, 200));
      expectSoundParts(markdown, "plain", 200, parts);
    });

    it("sends the literal source when formatting overhead cannot fit the bound, and says so", () => {
      // Every part of a long link label repeats the link's URL in Telegram's plain-text fallback.
      const markdown = `[${"label ".repeat(200)}](https://example.com/${"u".repeat(30)})`;
      const { parts, literal } = renderReplyDetailed(markdown, "html", 64);
      expect(literal).toBe(true);
      expect(parts.length).toBeLessThanOrEqual(maxReplyParts(markdown, 64));
      expect(parts.map((p) => p.plainText).join(" ")).toContain("label label");
      for (const part of parts) {
        expect(htmlProblem(part.text)).toBe("");
        expect(countedLength(part.text, "html")).toBeLessThanOrEqual(64);
      }
    });
  });

  describe("deep nesting", () => {
    it.each([
      ["3,000 nested quotes", `${">".repeat(3000)} x`],
      ["2,000 nested numbered items", "1. ".repeat(2000)],
      ["2,000 nested bullets", `${"- ".repeat(2000)}x`],
      ["quotes and lists mixed", `${"> 1. - ".repeat(800)}x`],
      ["5,000 nested images", `${"![".repeat(5000)}x${"](https://x.org)".repeat(5000)}`],
    ])("renders %s without overflowing the stack", (_name, markdown) => {
      for (const format of ["html", "chat-markdown", "plain"] as const) {
        const parts = renderReply(markdown, format, 4096);
        expect(parts.length).toBeGreaterThan(0);
        expect(parts.length).toBeLessThanOrEqual(maxReplyParts(markdown, 4096));
        expect(parts.map((p) => p.plainText).join("")).toMatch(/x|1\./);
      }
    });

    it("keeps quote markers past the nesting cap as text", () => {
      const [part] = renderReply(`${">".repeat(40)} deep`, "plain", 4096);
      expect(part.text).toBe(`${">".repeat(24)} deep`);
    });
  });

  describe("never nothing for a reply with something in it", () => {
    it.each(["```", "```ts", "```\n```", "#", "###", "\u200b", ">", "> ", "-", "1.", "** **", "~~ ~~", "` `", "```c\n  \n```", "* *"])(
      "sends %j as something",
      (markdown) => {
        for (const format of ["html", "chat-markdown", "plain"] as const) {
          const parts = renderReply(markdown, format, 4096);
          expect(parts.length, format).toBeGreaterThan(0);
          for (const part of parts) {
            expect(part.text).not.toBe("");
            expect(part.plainText).not.toBe("");
          }
        }
      },
    );

    it("sends markup that formats to nothing as its source text, escaped for Telegram", () => {
      expect(renderReply("```", "html", 4096)).toEqual([{ text: "```", plainText: "```" }]);
      expect(renderReply("> <", "html", 4096)).toEqual([{ text: "<blockquote>&lt;</blockquote>", plainText: "<" }]);
      expect(renderReply("\u200b", "plain", 4096)).toEqual([{ text: "\u200b", plainText: "\u200b" }]);
      expect(renderReply("#", "chat-markdown", 4096)).toEqual([{ text: "#", plainText: "#" }]);
    });
  });

  describe("links Telegram would turn into mentions", () => {
    it.each([
      ["[x](tg://user?id=42)", "x (tg://user?id=42)"],
      ["[Alice](TG://USER?ID=42)", "Alice (TG://USER?ID=42)"],
      ["<tg://user?id=42>", "tg://user?id=42"],
      ["[channel](tg://resolve?domain=somebot)", "channel (tg://resolve?domain=somebot)"],
      ["[x](javascript:alert(1))", "x (javascript:alert(1))"],
      ['[x](tg://user?id=42"><b>y</b>)', 'x (tg://user?id=42"&gt;&lt;b&gt;y&lt;/b&gt;)'],
    ])("renders %j as plain text", (markdown, text) => {
      const [part] = renderReply(markdown, "html", 4096);
      expect(part.text).toBe(text);
      expect(part.text).not.toContain("<a");
    });

    it("still links web addresses", () => {
      expect(renderReply("[x](https://x.org) and [y](http://y.org)", "html", 4096)[0].text).toBe('<a href="https://x.org">x</a> and <a href="http://y.org">y</a>');
    });
  });
});
