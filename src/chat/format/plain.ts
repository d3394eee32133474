import { labelShowsTarget, renderDocument, type Dialect } from "./document.js";
import type { TokenStream } from "./tokens.js";

/** Readable text without markup: the fallback when a platform rejects formatting, and the console's format. */
export const plainDialect: Dialect = {
  escape: (text) => text,
  open: () => "",
  close: (mark) => (mark.kind === "link" && !labelShowsTarget(mark.label ?? "", mark.href ?? "") ? ` (${mark.href})` : ""),
  markupVisible: true,
};

export function plainTokens(markdown: string): TokenStream {
  return renderDocument(markdown, plainDialect);
}

/**
 * Strips Markdown to readable text: "• " bullets, headings as lines, links as "label (url)".
 * @example markdownToPlain("See [docs](https://x.org), **now**.") // "See docs (https://x.org), now."
 */
export function markdownToPlain(md: string): string {
  return plainTokens(md)
    .tokens.map((t) => t.text)
    .join("");
}
