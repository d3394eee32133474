import { describe, expect, it } from "vitest";
import { escapeHtml, markdownToHtml, outsideEntity, htmlToPlain } from "./html.js";

describe("markdownToHtml", () => {
  it.each([
    ["a paragraph", "just text", "just text"],
    ["bold", "**b** and __b__", "<b>b</b> and <b>b</b>"],
    ["italic", "*i* and _i_", "<i>i</i> and <i>i</i>"],
    ["strikethrough", "~~gone~~", "<s>gone</s>"],
    ["a spoiler", "||hidden||", "<tg-spoiler>hidden</tg-spoiler>"],
    ["inline code", "run `a < b && c`", "run <code>a &lt; b &amp;&amp; c</code>"],
    ["a code block with a language", "```python\nif a < b:\n    pass\n```", '<pre><code class="language-python">if a &lt; b:\n    pass</code></pre>'],
    ["a code block without a language", "```\nplain\n```", "<pre>plain</pre>"],
    ["an odd language name", '```a"b\nx\n```', "<pre>x</pre>"],
    ["a link", "[docs](https://x.org/?a=1&b=2)", '<a href="https://x.org/?a=1&amp;b=2">docs</a>'],
    ["a link with quotes in the URL", '[q](https://x.org/"q")', '<a href="https://x.org/&quot;q&quot;">q</a>'],
    ["a relative link as text", "[guide](docs/guide.md)", "guide (docs/guide.md)"],
    ["an autolink", "<https://x.org>", '<a href="https://x.org">https://x.org</a>'],
    ["an image as a link", "![chart](https://x.org/c.png)", '<a href="https://x.org/c.png">chart</a>'],
    ["headings as bold lines", "# One\n### Three", "<b>One</b>\n\n<b>Three</b>"],
    ["a heading holding bold", "## The **key** point", "<b>The key point</b>"],
    ["a bullet list", "- a\n* b", "• a\n\n• b"],
    ["a nested list", "- a\n  - b\n    - c", "• a\n  • b\n    • c"],
    ["a numbered list", "1. a\n2. b\n10. c", "1. a\n2. b\n10. c"],
    ["list item continuation lines", "- first line\n  second line", "• first line\n  second line"],
    ["a quote", "> said **this**\n> and that", "<blockquote>said <b>this</b>\nand that</blockquote>"],
    ["a nested quote flattened", "> a\n> > b", "<blockquote>a\n\nb</blockquote>"],
    ["a link inside a quote as text", "> see [x](https://x.org)", "<blockquote>see x (https://x.org)</blockquote>"],
    ["code inside a quote as text", "> run `ls`", "<blockquote>run ls</blockquote>"],
    ["a rule", "a\n\n---\n\nb", "a\n\n———\n\nb"],
    ["escaped text", "<script>alert('x')</script> & co", "&lt;script&gt;alert('x')&lt;/script&gt; &amp; co"],
    ["bold inside a link", "[**big** deal](https://x.org)", '<a href="https://x.org"><b>big</b> deal</a>'],
    ["code inside a link as text", "[`cmd`](https://x.org)", '<a href="https://x.org">cmd</a>'],
    ["bold inside bold once", "**a *b **c** d* e**", "<b>a <i>b c d</i> e</b>"],
    ["an empty list item as its marker alone", "- a\n-\n- c", "• a\n•\n• c"],
    ["indentation before a link, not inside it", "- a\n  <https://x.org>", '• a\n  <a href="https://x.org">https://x.org</a>'],
    ["a mention link as text", "[you](tg://user?id=42)", "you (tg://user?id=42)"],
  ])("renders %s", (_name, markdown, html) => {
    expect(markdownToHtml(markdown)).toBe(html);
  });
});

describe("escapeHtml", () => {
  it("escapes the characters Telegram requires, quotes included", () => {
    expect(escapeHtml(`<a href="x">&amp;</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt;");
  });
});

describe("htmlToPlain", () => {
  it.each([
    ["<b>bold</b> &amp; &lt;tag&gt; &quot;q&quot;", 'bold & <tag> "q"'],
    ['<a href="https://x.org/?a=1&amp;b=2">docs</a>', "docs (https://x.org/?a=1&b=2)"],
    ['<a href="https://x.org">https://x.org</a>', "https://x.org"],
    ['<pre><code class="language-ts">a &lt; b</code></pre>', "a < b"],
  ])("reads %j as %j", (html, plain) => {
    expect(htmlToPlain(html)).toBe(plain);
  });
});

describe("outsideEntity", () => {
  it("refuses cuts inside an entity and allows them around it", () => {
    const text = "a&amp;b";
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => outsideEntity(text, i))).toEqual([true, true, false, false, false, false, true, true]);
  });
});
