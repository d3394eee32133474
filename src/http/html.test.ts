import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml } from "./html.js";

describe("escapeHtml", () => {
  it.each([
    ['<b x="1">', "&lt;b x=&quot;1&quot;&gt;"],
    ["Tom & Jerry's", "Tom &amp; Jerry&#39;s"],
    ["a\u0000b\u001bc", "a\ufffdb\ufffdc"],
    ["tab\tand\nnewline", "tab\tand\nnewline"],
    ["lone \ud800 surrogate", "lone \ufffd surrogate"],
    ["pair 😀", "pair 😀"],
    [undefined, ""],
    [null, ""],
    [42, "42"],
  ])("%j → %j", (input, output) => {
    expect(escapeHtml(input)).toBe(output);
  });

  it("leaves nothing that opens a tag, an entity, an attribute or breaks the encoding", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const escaped = escapeHtml(text);
        expect(escaped).not.toMatch(/[<>"']/);
        expect(escaped.replace(/&(amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
        expect(() => encodeURIComponent(escaped)).not.toThrow();
      }),
    );
  });
});
