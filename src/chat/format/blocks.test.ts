import { describe, expect, it } from "vitest";
import { MAX_BLOCK_DEPTH, parseBlocks, type Block } from "./blocks.js";

describe("parseBlocks", () => {
  it.each<[string, string, Block[]]>([
    ["paragraphs", "one\ntwo\n\nthree", [{ type: "paragraph", text: "one\ntwo" }, { type: "paragraph", text: "three" }]],
    ["an ATX heading with closing hashes", "## Title ##", [{ type: "heading", level: 2, text: "Title" }]],
    ["a hashtag, not a heading", "#hashtag", [{ type: "paragraph", text: "#hashtag" }]],
    ["a fenced code block", "```ts\nconst a = 1;\n\n  b();\n```", [{ type: "code", lang: "ts", text: "const a = 1;\n\n  b();" }]],
    ["a tilde fence holding backticks", "~~~\n```\n~~~", [{ type: "code", lang: "", text: "```" }]],
    ["an unclosed fence to the end", "```py\nx = 1", [{ type: "code", lang: "py", text: "x = 1" }]],
    ["a thematic break", "a\n\n---\n\nb", [{ type: "paragraph", text: "a" }, { type: "rule" }, { type: "paragraph", text: "b" }]],
    ["a quote with lazy continuation", "> quoted\nlazy\n\nafter", [{ type: "quote", children: [{ type: "paragraph", text: "quoted\nlazy" }] }, { type: "paragraph", text: "after" }]],
    ["a nested quote", "> a\n> > b", [{ type: "quote", children: [{ type: "paragraph", text: "a" }, { type: "quote", children: [{ type: "paragraph", text: "b" }] }] }]],
    [
      "a bullet list with a nested list",
      "- one\n  - sub\n- two",
      [{ type: "list", ordered: false, numbers: ["", ""], items: [[{ type: "paragraph", text: "one" }, { type: "list", ordered: false, numbers: [""], items: [[{ type: "paragraph", text: "sub" }]] }], [{ type: "paragraph", text: "two" }]] }],
    ],
    [
      "an ordered list keeping its numbers",
      "3. c\n4) not the same list",
      [
        { type: "list", ordered: true, numbers: ["3"], items: [[{ type: "paragraph", text: "c" }]] },
        { type: "list", ordered: true, numbers: ["4"], items: [[{ type: "paragraph", text: "not the same list" }]] },
      ],
    ],
    [
      "a code block inside a list item",
      "1. Install:\n   ```bash\n   npm i\n   ```\n2. Run",
      [{ type: "list", ordered: true, numbers: ["1", "2"], items: [[{ type: "paragraph", text: "Install:" }, { type: "code", lang: "bash", text: "npm i" }], [{ type: "paragraph", text: "Run" }]] }],
    ],
    [
      "a loose list",
      "- a\n\n- b\n\n  more b",
      [{ type: "list", ordered: false, numbers: ["", ""], items: [[{ type: "paragraph", text: "a" }], [{ type: "paragraph", text: "b" }, { type: "paragraph", text: "more b" }]] }],
    ],
    [
      "a list interrupting a paragraph",
      "Steps:\n1. first",
      [{ type: "paragraph", text: "Steps:" }, { type: "list", ordered: true, numbers: ["1"], items: [[{ type: "paragraph", text: "first" }]] }],
    ],
    ["a year that does not interrupt a paragraph", "It was\n1984. A year", [{ type: "paragraph", text: "It was\n1984. A year" }]],
    ["bold at line start, not a bullet", "**bold** start", [{ type: "paragraph", text: "**bold** start" }]],
    ["a star rule, not a list", "* * *", [{ type: "rule" }]],
    ["CRLF line ends", "a\r\n\r\nb", [{ type: "paragraph", text: "a" }, { type: "paragraph", text: "b" }]],
    ["indented text, not an indented code block", "    four spaces", [{ type: "paragraph", text: "four spaces" }]],
    ["list numbers as written", "007. bond", [{ type: "list", ordered: true, numbers: ["007"], items: [[{ type: "paragraph", text: "bond" }]] }]],
  ])("parses %s", (_name, markdown, expected) => {
    expect(parseBlocks(markdown)).toEqual(expected);
  });

  it(`nests quotes and lists at most ${MAX_BLOCK_DEPTH} deep, keeping deeper markers as text`, () => {
    let blocks = parseBlocks(`${"> - ".repeat(20)}x`);
    let depth = 0;
    for (;;) {
      const [block] = blocks;
      if (block.type === "quote") blocks = block.children;
      else if (block.type === "list") blocks = block.items[0];
      else break;
      depth++;
    }
    expect(depth).toBe(MAX_BLOCK_DEPTH);
    expect(blocks).toEqual([{ type: "paragraph", text: `${"> - ".repeat(12).trim()} x` }]);
  });
});
