import { describe, expect, it } from "vitest";
import { markdownToPlain } from "./plain.js";

describe("markdownToPlain", () => {
  it.each([
    ["emphasis", "**bold**, *italic*, ~~strike~~, ||spoiler||", "bold, italic, strike, spoiler"],
    ["inline code", "run `npm test`", "run npm test"],
    ["a code block", "```sh\nnpm test\n  --watch\n```", "npm test\n  --watch"],
    ["a heading", "# Title\nbody", "Title\n\nbody"],
    ["a link", "[docs](https://x.org)", "docs (https://x.org)"],
    ["a link whose label is its URL", "[https://x.org](https://x.org)", "https://x.org"],
    ["an email autolink", "<me@x.org>", "me@x.org"],
    ["lists", "- a\n  - b\n\n1. c", "• a\n  • b\n\n1. c"],
    ["a quote", "> quoted\n> text", "quoted\ntext"],
    ["a rule", "---", "———"],
    ["escapes", "\\*not\\* \\_emphasis\\_", "*not* _emphasis_"],
    ["markup-looking text", "<b>&amp;</b>", "<b>&</b>"],
    ["emoji", "**👨‍👩‍👧‍👦 family**", "👨‍👩‍👧‍👦 family"],
  ])("strips %s", (_name, markdown, plain) => {
    expect(markdownToPlain(markdown)).toBe(plain);
  });
});
