import { labelShowsTarget, renderDocument, type Dialect, type Mark } from "./document.js";
import type { TokenStream } from "./tokens.js";

/**
 * Telegram's HTML parse mode: only b, i, s, tg-spoiler, code, pre (with
 * `<code class="language-x">`), a href and blockquote are written; everything else is escaped.
 *
 * Lengths are counted as Telegram counts them: the text after entity parsing (tags count
 * nothing, `&amp;` counts one), plus the " (url)" a link gets in the plain-text fallback
 * (`htmlToPlain`), so both the HTML and its fallback fit the limit.
 */

/**
 * Escapes `&`, `<`, `>` and `"` (safe in text and in attribute values).
 * @example escapeHtml('<a href="x">') // "&lt;a href=&quot;x&quot;&gt;"
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => (ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : "&quot;"));
}

function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (ch) => (ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : "&gt;"));
}

const TAGS: Record<Exclude<Mark["kind"], "pre" | "link">, string> = {
  strong: "b",
  em: "i",
  strike: "s",
  spoiler: "tg-spoiler",
  code: "code",
  quote: "blockquote",
};

/** What the plain-text fallback adds after a link's label. */
function linkSuffix(mark: Mark): string {
  return ` (${mark.href ?? ""})`;
}

export const htmlDialect: Dialect = {
  escape: escapeText,
  open(mark) {
    if (mark.kind === "pre") return mark.lang ? `<pre><code class="language-${escapeHtml(mark.lang)}">` : "<pre>";
    if (mark.kind === "link") return `<a href="${escapeHtml(mark.href ?? "")}">`;
    return `<${TAGS[mark.kind]}>`;
  },
  close(mark) {
    if (mark.kind === "pre") return mark.lang ? "</code></pre>" : "</pre>";
    if (mark.kind === "link") return "</a>";
    return `</${TAGS[mark.kind]}>`;
  },
  markupVisible: false,
  widths(mark) {
    if (mark.kind !== "link") return { open: 0, close: 0, reopen: 0, cut: 0 };
    // The fallback adds " (url)" unless the label in that part is the URL itself, which only a
    // whole link's label can be: a part holding a piece of it gets the suffix either way.
    const suffix = linkSuffix(mark).length;
    const whole = labelShowsTarget(mark.label ?? "", mark.href ?? "");
    return { open: 0, close: whole ? 0 : suffix, reopen: whole ? suffix : 0, cut: suffix };
  },
};

export function htmlTokens(markdown: string): TokenStream {
  return renderDocument(markdown, htmlDialect);
}

/**
 * Converts a Markdown reply to Telegram HTML (unsplit; use `renderReply` to split).
 * @example markdownToHtml("# Plan\n- **do** it") // "<b>Plan</b>\n\n• <b>do</b> it"
 */
export function markdownToHtml(md: string): string {
  return htmlTokens(md)
    .tokens.map((t) => t.text)
    .join("");
}

/** A cut at `index` of escaped HTML text must not fall inside an entity such as `&amp;`. */
export function outsideEntity(text: string, index: number): boolean {
  for (let k = index - 1; k >= 0 && k >= index - 8; k--) {
    if (text[k] === ";") return true;
    if (text[k] === "&") return false;
  }
  return true;
}

const TAG_OR_ENTITY = /<(\/?)([a-z-]+)([^>]*)>|&(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"' };

/**
 * The readable text of Telegram HTML as this module writes it: tags dropped, entities decoded,
 * and a link's URL added after its label ("label (url)") unless the label is the URL.
 */
export function htmlToPlain(html: string): string {
  let out = "";
  const links: Array<{ href: string; from: number }> = [];
  let last = 0;
  for (const m of html.matchAll(TAG_OR_ENTITY)) {
    out += html.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[4]) {
      out += decodeEntity(m[4]);
      continue;
    }
    if (m[2] !== "a") continue;
    if (!m[1]) {
      const href = /href="([^"]*)"/.exec(m[3])?.[1] ?? "";
      links.push({ href: href.replace(/&(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);/g, (_, name: string) => decodeEntity(name)), from: out.length });
    } else {
      const link = links.pop();
      if (link && !labelShowsTarget(out.slice(link.from), link.href)) out += ` (${link.href})`;
    }
  }
  return out + html.slice(last);
}

function decodeEntity(name: string): string {
  if (name[0] !== "#") return NAMED[name];
  return String.fromCodePoint(name[1] === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
}
