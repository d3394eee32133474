import { resolveEmphasis, type Bracket, type Item } from "./emphasis.js";
import { isAsciiPunctuation, isPunctuation, isWhitespace } from "./chars.js";
import { parseDestination } from "./link-destination.js";

/**
 * Inline Markdown as Claude writes it (CommonMark emphasis rules, GFM `~~strike~~`, Discord
 * `||spoiler||`), parsed into nodes that keep their source offsets so a chunker can find the
 * delimiters in the original text.
 */

interface Located {
  /** Source range of the whole node. */
  start: number;
  end: number;
}

interface Wrapped extends Located {
  /** Source range of the content between the delimiters. */
  innerStart: number;
  innerEnd: number;
}

export type InlineNode =
  | ({ type: "text"; text: string } & Located)
  | ({ type: "break" } & Located)
  | ({ type: "code"; text: string } & Wrapped)
  | ({ type: "strong" | "em" | "strike" | "spoiler"; children: InlineNode[] } & Wrapped)
  | ({ type: "link"; href: string; children: InlineNode[]; image: boolean; autolink: boolean } & Wrapped);

/**
 * Spans nested deeper than this (`*_*_*_…x…_*_*_*`) are kept as their source text: every consumer
 * walks the tree recursively, and no reply needs more than a handful of levels.
 */
export const MAX_INLINE_DEPTH = 16;

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|nbsp));/y;
const AUTOLINK = /<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/y;
const EMAIL_AUTOLINK = /<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)>/y;
const BARE_URL = /https?:\/\/[^\s<>[\]`]+/y;

/** The code point ending right before `index` ("" at the start). */
function charBefore(src: string, index: number): string {
  if (index <= 0) return "";
  const low = src.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) return src.slice(index - 2, index);
  return src[index - 1];
}

/** The code point starting at `index` ("" at the end). */
function charAt(src: string, index: number): string {
  if (index >= src.length) return "";
  return String.fromCodePoint(src.codePointAt(index)!);
}

function decodeEntity(m: RegExpExecArray): string {
  if (m[3]) return NAMED_ENTITIES[m[3]];
  const code = m[1] ? parseInt(m[1], 10) : parseInt(m[2], 16);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
  return String.fromCodePoint(code);
}

/** Drops trailing punctuation a sentence puts after a URL, keeping a `)` the URL itself opened. */
function trimUrl(url: string): string {
  let end = url.length;
  for (;;) {
    const last = url[end - 1];
    if ("?!.,:;*_~|'\"".includes(last)) {
      end--;
      continue;
    }
    if (last === ")") {
      const part = url.slice(0, end);
      if (part.split(")").length > part.split("(").length) {
        end--;
        continue;
      }
    }
    return url.slice(0, end);
  }
}

/** Parses one paragraph (or one line) of inline Markdown. */
export function parseInline(src: string): InlineNode[] {
  const items: Item[] = [];
  const brackets = new BracketStack();
  let buffer = "";
  let bufferStart = 0;
  let i = 0;

  const flush = (end: number) => {
    if (buffer) items.push({ type: "text", text: buffer, start: bufferStart, end });
    buffer = "";
    bufferStart = end;
  };

  while (i < src.length) {
    const ch = src[i];

    if (ch === "\\") {
      const next = src[i + 1] ?? "";
      if (next === "\n") {
        flush(i);
        items.push({ type: "break", start: i, end: i + 2 });
        i += 2;
        bufferStart = i;
        continue;
      }
      if (isAsciiPunctuation(next)) {
        buffer += next;
        i += 2;
        continue;
      }
      buffer += ch;
      i++;
      continue;
    }

    if (ch === "\n") {
      buffer = buffer.replace(/[ \t]+$/, "");
      flush(i);
      items.push({ type: "break", start: i, end: i + 1 });
      i++;
      while (src[i] === " " || src[i] === "\t") i++;
      bufferStart = i;
      continue;
    }

    if (ch === "`") {
      let run = 1;
      while (src[i + run] === "`") run++;
      const close = findBacktickRun(src, i + run, run);
      if (close < 0) {
        buffer += src.slice(i, i + run);
        i += run;
        continue;
      }
      flush(i);
      let text = src.slice(i + run, close).replace(/\n/g, " ");
      if (text.length > 2 && text.startsWith(" ") && text.endsWith(" ") && text.trim()) text = text.slice(1, -1);
      items.push({ type: "code", text, start: i, end: close + run, innerStart: i + run, innerEnd: close });
      i = close + run;
      bufferStart = i;
      continue;
    }

    if (ch === "*" || ch === "_" || ch === "~" || ch === "|") {
      let run = 1;
      while (src[i + run] === ch) run++;
      if ((ch === "~" || ch === "|") && run !== 2) {
        buffer += src.slice(i, i + run);
        i += run;
        continue;
      }
      const before = charBefore(src, i);
      const after = charAt(src, i + run);
      const leftFlanking = !isWhitespace(after) && (!isPunctuation(after) || isWhitespace(before) || isPunctuation(before));
      const rightFlanking = !isWhitespace(before) && (!isPunctuation(before) || isWhitespace(after) || isPunctuation(after));
      const canOpen = ch === "_" ? leftFlanking && (!rightFlanking || isPunctuation(before)) : leftFlanking;
      const canClose = ch === "_" ? rightFlanking && (!leftFlanking || isPunctuation(after)) : rightFlanking;
      flush(i);
      items.push({ type: "delim", char: ch, start: i, count: run, original: run, canOpen, canClose });
      i += run;
      bufferStart = i;
      continue;
    }

    if (ch === "[" || (ch === "!" && src[i + 1] === "[")) {
      const width = ch === "!" ? 2 : 1;
      flush(i);
      brackets.push(items.length, ch === "!");
      items.push({ type: "bracket", image: ch === "!", start: i, end: i + width });
      i += width;
      bufferStart = i;
      continue;
    }

    if (ch === "]") {
      const link = closeBracket(src, items, brackets, i, flush);
      if (link) {
        i = link;
        bufferStart = i;
      } else {
        buffer += ch;
        i++;
      }
      continue;
    }

    if (ch === "<") {
      AUTOLINK.lastIndex = i;
      EMAIL_AUTOLINK.lastIndex = i;
      const m = AUTOLINK.exec(src) ?? EMAIL_AUTOLINK.exec(src);
      if (m) {
        flush(i);
        const end = i + m[0].length;
        const href = m[0] === `<${m[1]}>` && m[1].includes("@") && !m[1].includes(":") ? `mailto:${m[1]}` : m[1];
        const text: InlineNode = { type: "text", text: m[1], start: i + 1, end: end - 1 };
        items.push({ type: "link", href, children: [text], image: false, autolink: true, start: i, end, innerStart: i + 1, innerEnd: end - 1 });
        i = end;
        bufferStart = i;
        continue;
      }
    }

    if (ch === "&") {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(src);
      if (m) {
        buffer += decodeEntity(m);
        i += m[0].length;
        continue;
      }
    }

    if (ch === "h" && !/[\p{L}\p{N}]/u.test(charBefore(src, i))) {
      BARE_URL.lastIndex = i;
      const m = BARE_URL.exec(src);
      if (m) {
        // Kept as plain text so `_` and `*` inside a URL never start emphasis.
        const url = trimUrl(m[0]);
        buffer += url;
        i += url.length;
        continue;
      }
    }

    buffer += ch;
    i++;
  }
  flush(src.length);
  return capDepth(src, resolveEmphasis(items), 1);
}

/** Replaces spans nested deeper than {@link MAX_INLINE_DEPTH} with their source text (in place: the nodes are this parse's own). */
function capDepth(src: string, nodes: InlineNode[], depth: number): InlineNode[] {
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k];
    if (!("children" in node)) continue;
    if (depth >= MAX_INLINE_DEPTH) nodes[k] = { type: "text", text: src.slice(node.start, node.end), start: node.start, end: node.end };
    else capDepth(src, node.children, depth + 1);
  }
  return nodes;
}

/**
 * The `[` and `![` still waiting for their `]`, innermost last, as indexes into the item list.
 * Forming a link deactivates every `[` before it (no links inside links) in O(1), by sequence number.
 */
class BracketStack {
  private readonly open: Array<{ index: number; image: boolean; seq: number }> = [];
  private pushed = 0;
  private inactiveBelow = 0;

  push(index: number, image: boolean): void {
    this.open.push({ index, image, seq: this.pushed++ });
  }

  /** The innermost waiting bracket, removed from the stack, with whether it may still form a link. */
  pop(): { index: number; active: boolean } | undefined {
    const top = this.open.pop();
    return top && { index: top.index, active: top.image || top.seq >= this.inactiveBelow };
  }

  deactivateLinks(): void {
    this.inactiveBelow = this.pushed;
  }
}

function findBacktickRun(src: string, from: number, length: number): number {
  let i = src.indexOf("`", from);
  while (i >= 0) {
    let run = 1;
    while (src[i + run] === "`") run++;
    if (run === length) return i;
    i = src.indexOf("`", i + run);
  }
  return -1;
}

/** Handles `]` at `at`: forms a link when an opener and a destination match; returns the index after it. */
function closeBracket(src: string, items: Item[], brackets: BracketStack, at: number, flush: (end: number) => void): number | undefined {
  const waiting = brackets.pop();
  if (!waiting) return undefined;
  const index = waiting.index;
  const opener = items[index] as Bracket;
  const destination = src[at + 1] === "(" && waiting.active ? parseDestination(src, at + 1) : undefined;
  flush(at);
  if (!destination) {
    items[index] = { type: "text", text: src.slice(opener.start, opener.end), start: opener.start, end: opener.end };
    return undefined;
  }
  const children = resolveEmphasis(items.slice(index + 1));
  items.length = index;
  items.push({
    type: "link",
    href: destination.href,
    children,
    image: opener.image,
    autolink: false,
    start: opener.start,
    end: destination.end,
    innerStart: opener.end,
    innerEnd: at,
  });
  if (!opener.image) brackets.deactivateLinks();
  return destination.end;
}

/** The readable text of inline nodes (link labels, heading text). */
export function inlineText(nodes: InlineNode[]): string {
  let out = "";
  for (const node of nodes) {
    if (node.type === "text" || node.type === "code") out += node.text;
    else if (node.type === "break") out += "\n";
    else out += inlineText(node.children);
  }
  return out;
}
