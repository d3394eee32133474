import { describe, expect, it } from "vitest";
import { inlineText, MAX_INLINE_DEPTH, parseInline, type InlineNode } from "./inline.js";

/** A compact picture of the tree: text as is, spans as type(children). */
function shape(nodes: InlineNode[]): string {
  return nodes
    .map((n) => {
      if (n.type === "text") return n.text;
      if (n.type === "break") return "⏎";
      if (n.type === "code") return `code(${n.text})`;
      if (n.type === "link") return `${n.image ? "image" : "link"}[${n.href}](${shape(n.children)})`;
      return `${n.type}(${shape(n.children)})`;
    })
    .join("");
}

describe("parseInline", () => {
  it.each([
    ["plain words", "plain words"],
    ["**bold**", "strong(bold)"],
    ["__bold__", "strong(bold)"],
    ["*italic* and _italic_", "em(italic) and em(italic)"],
    ["***both***", "em(strong(both))"],
    ["**bold *nested* bold**", "strong(bold em(nested) bold)"],
    ["~~strike~~", "strike(strike)"],
    ["||spoiler||", "spoiler(spoiler)"],
    ["a ~single~ tilde", "a ~single~ tilde"],
    ["`code`", "code(code)"],
    ["`` a ` b ``", "code(a ` b)"],
    ["`unclosed", "`unclosed"],
    ["**unclosed", "**unclosed"],
    ["snake_case_name", "snake_case_name"],
    ["2 * 3 * 4", "2 * 3 * 4"],
    ["\\*literal\\*", "*literal*"],
    ["[label](https://x.org)", "link[https://x.org](label)"],
    ['[label](<https://x.org/a b> "title")', "link[https://x.org/a b](label)"],
    ["[wiki](https://en.wikipedia.org/wiki/Foo_(bar))", "link[https://en.wikipedia.org/wiki/Foo_(bar)](wiki)"],
    ["![alt](https://x.org/p.png)", "image[https://x.org/p.png](alt)"],
    ["[**bold** label](https://x.org)", "link[https://x.org](strong(bold) label)"],
    ["[outer [inner](https://a.b)](https://c.d)", "[outer link[https://a.b](inner)](https://c.d)"],
    ["[not a link] (x)", "[not a link] (x)"],
    ["<https://auto.link/x>", "link[https://auto.link/x](https://auto.link/x)"],
    ["<me@example.com>", "link[mailto:me@example.com](me@example.com)"],
    ["<b>not html</b>", "<b>not html</b>"],
    ["https://x.org/a_b_c_d.", "https://x.org/a_b_c_d."],
    ["**https://x.org/y**", "strong(https://x.org/y)"],
    ["||https://x.org/y||", "spoiler(https://x.org/y)"],
    ["[https://x.org](https://x.org)", "link[https://x.org](https://x.org)"],
    ["&amp; &lt;tag&gt; &#65; &copy;", "& <tag> A &copy;"],
    ["line one  \nline two", "line one⏎line two"],
    ["`code with **stars**`", "code(code with **stars**)"],
    ["**`code` in bold**", "strong(code(code) in bold)"],
    ["x||y||", "xspoiler(y)"],
    ["a || b", "a || b"],
  ])("parses %j", (src, expected) => {
    expect(shape(parseInline(src))).toBe(expected);
  });

  it("keeps the source offsets of delimiters", () => {
    const src = "say **hi** to [you](https://x.org)";
    const [, strong, , link] = parseInline(src);
    if (strong.type !== "strong" || link.type !== "link") throw new Error("unexpected shape");
    expect(src.slice(strong.start, strong.innerStart)).toBe("**");
    expect(src.slice(strong.innerStart, strong.innerEnd)).toBe("hi");
    expect(src.slice(strong.innerEnd, strong.end)).toBe("**");
    expect(src.slice(link.start, link.innerStart)).toBe("[");
    expect(src.slice(link.innerEnd, link.end)).toBe("](https://x.org)");
  });

  it("takes delimiters from the inner side of a longer run", () => {
    const src = "***x* y**";
    const [strong] = parseInline(src);
    if (strong.type !== "strong") throw new Error("unexpected shape");
    const [em] = strong.children;
    if (em.type !== "em") throw new Error("unexpected shape");
    expect([strong.start, strong.innerStart, em.start, em.innerStart, em.innerEnd, em.end, strong.innerEnd, strong.end]).toEqual([0, 2, 2, 3, 4, 5, 7, 9]);
  });

  it("reads the text of nested nodes", () => {
    expect(inlineText(parseInline("**a** `b` [c *d*](https://e.f)\ng"))).toBe("a b c d\ng");
  });

  it(`keeps spans nested deeper than ${MAX_INLINE_DEPTH} levels as their source text`, () => {
    let nodes = parseInline(`${"*a _".repeat(12)}x${"_ a*".repeat(12)}`);
    let depth = 0;
    for (let span = nodes.find((n) => "children" in n); span && "children" in span; span = nodes.find((n) => "children" in n)) {
      nodes = span.children;
      depth++;
    }
    expect(depth).toBe(MAX_INLINE_DEPTH - 1);
    expect(nodes.map((n) => (n.type === "text" ? n.text : n.type)).join("")).toBe("a _*a _*a _*a _*a _x_ a*_ a*_ a*_ a*_ a");
  });

  it("gives up on a destination with too many unclosed parentheses", () => {
    expect(shape(parseInline(`[a](${"(".repeat(40)}x${")".repeat(40)})`))).toBe(`[a](${"(".repeat(40)}x${")".repeat(40)})`);
    expect(shape(parseInline(`[a](${"(".repeat(3)}x${")".repeat(3)})`))).toBe(`link[${"(".repeat(3)}x${")".repeat(3)}](a)`);
  });
});
