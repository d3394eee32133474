import { describe, expect, it } from "vitest";
import { HtmlParseError, parseTelegramHtml } from "./html.js";

const errorOf = (html: string) => {
  try {
    parseTelegramHtml(html);
  } catch (err) {
    if (err instanceof HtmlParseError) return err.message;
    throw err;
  }
  return undefined;
};

describe("parseTelegramHtml", () => {
  it("turns tags into entities with UTF-16 offsets", () => {
    expect(parseTelegramHtml("<b>bold</b> and <i>it</i> 😀<u>u</u>")).toEqual({
      text: "bold and it 😀u",
      entities: [
        { type: "bold", offset: 0, length: 4 },
        { type: "italic", offset: 9, length: 2 },
        { type: "underline", offset: 14, length: 1 },
      ],
    });
  });

  it("decodes character references and keeps a bare ampersand", () => {
    expect(parseTelegramHtml("a &lt; b &amp;&amp; c &#65;&#x42; & d &nbsp;").text).toBe("a < b && c AB & d &nbsp;");
  });

  it("reads links, code blocks with language and spoilers", () => {
    const parsed = parseTelegramHtml(
      '<a href="https://example.com/?a=1&amp;b=2">x</a> <pre><code class="language-ts">let a;</code></pre> <span class="tg-spoiler">s</span>',
    );
    expect(parsed.text).toBe("x let a; s");
    expect(parsed.entities).toEqual([
      { type: "text_link", offset: 0, length: 1, url: "https://example.com/?a=1&b=2" },
      { type: "pre", offset: 2, length: 6, language: "ts" },
      { type: "spoiler", offset: 9, length: 1 },
    ]);
  });

  it("trims the text and clips entities to it", () => {
    expect(parseTelegramHtml("  <b>hi  </b>\n")).toEqual({ text: "hi", entities: [{ type: "bold", offset: 0, length: 2 }] });
  });

  it("rejects markup the way Telegram words it", () => {
    expect(errorOf("a < b")).toBe('Unsupported start tag "" at byte offset 2');
    expect(errorOf("héllo <br> x")).toBe('Unsupported start tag "br" at byte offset 7');
    expect(errorOf("<b>x</i>")).toBe('Unmatched end tag at byte offset 4, expected "</b>", found "</i>"');
    expect(errorOf("x</b>")).toBe("Unexpected end tag at byte offset 1");
    expect(errorOf("<b>open")).toBe('Can\'t find end tag corresponding to start tag "b"');
    expect(errorOf("text <b")).toBe("Unclosed start tag at byte offset 5");
    expect(errorOf('<span class="x">y</span>')).toBe('Tag "span" must have class "tg-spoiler" at byte offset 0');
  });
});
