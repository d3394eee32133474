import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTelegramHtml } from "../../test/fakes/telegram/html.js";
import { withoutTgLinks } from "./tg-links.js";

describe("withoutTgLinks", () => {
  it("drops links to tg: URLs and keeps their labels", () => {
    expect(withoutTgLinks('hi <a href="tg://user?id=42">Bob</a>!')).toBe("hi Bob!");
    expect(withoutTgLinks("<a href='tg://openmessage?user_id=42'>x</a>")).toBe("x");
    expect(withoutTgLinks('<a href="  TG://user?id=1">x</a>')).toBe("x");
    expect(withoutTgLinks('<a href="&#116;g://user?id=1">x</a>')).toBe("x");
    expect(withoutTgLinks('<a href="t&#x67;:user?id=1">x</a>')).toBe("x");
    expect(withoutTgLinks('<a href="\ttg://user?id=1">x</a>')).toBe("x");
    expect(withoutTgLinks("<a href=tg://user?id=1>x</a>")).toBe("x");
    expect(withoutTgLinks('<a href="tg://user?id=1"><b>bold</b> name</a> and <a href="https://x.org">x</a>')).toBe('<b>bold</b> name and <a href="https://x.org">x</a>');
  });

  it("leaves everything else alone", () => {
    for (const html of ['<a href="https://example.com/tg://user?id=1">x</a>', "&lt;a href=&quot;tg://user?id=1&quot;&gt;", "<b>tg://user?id=1</b>", "<abbr>x</abbr>", "plain"]) {
      expect(withoutTgLinks(html)).toBe(html);
    }
  });

  it("leaves no mention in any HTML the fake Telegram parses (fast-check)", () => {
    const href = fc.oneof(
      fc.constantFrom("tg://user?id=42", "TG://user?id=7", " tg://user?id=1", "https://example.com", "tg:resolve?domain=x"),
      fc.webUrl(),
      fc.string(),
    );
    const piece = fc.oneof(
      fc.tuple(href, fc.string()).map(([h, label]) => `<a href="${h.replace(/[&"<>]/g, "")}">${label.replace(/[&<>]/g, "") || "x"}</a>`),
      fc.string().map((t) => t.replace(/[&<>]/g, "")),
      fc.constantFrom("<b>", "</b>", "<i>x</i>"),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const html = pieces.join(" ");
        const out = withoutTgLinks(html);
        let parsed;
        try {
          parsed = parseTelegramHtml(out);
        } catch {
          return; // markup Telegram refuses is sent as plain text, which has no entities at all
        }
        expect(parsed.entities.filter((e) => e.type === "text_mention")).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
