import { parseInline, type InlineNode } from "./inline.js";
import { TokenBuilder, type Frame, type TokenStream } from "./tokens.js";

/**
 * Discord renders Markdown itself, so the reply passes through unchanged; this module only
 * marks where its code fences and inline spans (`**bold**`, `` `code` ``, `[links](url)`) are,
 * so a chunk split can close them and reopen them in the next chunk.
 */

/** Quote markers, a list marker and a heading marker in front of a line's inline content. */
const LINE_PREFIX = /^(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))?(?:#{1,6}(?:[ \t]+|$)|-#[ \t]+)?/;
const FENCE_OPEN = /^((?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^(?:[ \t]*>)*[ \t]*(`{3,}|~{3,})[ \t]*$/;

interface OpenFence {
  prefix: string;
  fence: string;
  info: string;
}

function fenceAt(line: string): OpenFence | undefined {
  const m = FENCE_OPEN.exec(line);
  if (!m || (m[2][0] === "`" && m[3].includes("`"))) return undefined;
  return { prefix: m[1], fence: m[2], info: m[3] };
}

function closes(line: string, open: OpenFence): boolean {
  const m = FENCE_CLOSE.exec(line);
  return !!m && m[1][0] === open.fence[0] && m[1].length >= open.fence.length;
}

export function chatMarkdownTokens(markdown: string): TokenStream {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out = new TokenBuilder();
  // A heading stays with what follows it: no split in the line breaks right after it.
  let afterHeading = false;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    if (k > 0) out.content("\n", !afterHeading);
    if (line.trim()) afterHeading = false;
    const fence = fenceAt(line);
    if (!fence) {
      const prefix = LINE_PREFIX.exec(line)![0];
      afterHeading ||= prefix.includes("#");
      out.content(prefix, false);
      const rest = line.slice(prefix.length);
      inlineTokens(out, rest, parseInline(rest), 0, rest.length);
      continue;
    }
    let end = k + 1;
    while (end < lines.length && !closes(lines[end], fence)) end++;
    const closed = end < lines.length;
    const body = lines.slice(k + 1, end);
    // A reopened fence keeps the quote markers and indentation, not a list marker, and of its
    // info string only a language name (what highlighting needs) that leaves room for the code.
    const reopenPrefix = fence.prefix.replace(/[^>\s]/g, " ");
    const reopenInfo = /^[\w#+.-]{1,24}$/.test(fence.info.trim()) ? fence.info.trim() : "";
    const frame: Frame = {
      open: `${reopenPrefix}${fence.fence}${reopenInfo}\n`,
      close: `\n${reopenPrefix}${fence.fence}`,
      inline: false,
      code: true,
    };
    out.content(fence.prefix, false);
    if (body.length === 0) {
      out.markup(closed ? `${fence.fence}${fence.info}\n${lines[end]}` : `${fence.fence}${fence.info}`);
    } else {
      out.open(frame, `${fence.fence}${fence.info}\n`);
      out.content(body.join("\n"));
      if (closed) out.close(`\n${lines[end]}`);
    }
    k = closed ? end : lines.length;
  }
  return out.finish();
}

/** Emits a line's inline content: delimiters as markup, text between them as content. */
function inlineTokens(out: TokenBuilder, src: string, nodes: InlineNode[], from: number, to: number): void {
  let cursor = from;
  for (const node of nodes) {
    if (node.start > cursor) out.content(src.slice(cursor, node.start));
    if ("innerStart" in node && !(node.type === "link" && node.autolink)) {
      const open = src.slice(node.start, node.innerStart);
      const close = src.slice(node.innerEnd, node.end);
      out.open({ open, close, inline: true, code: node.type === "code" });
      if (node.type === "code") out.content(src.slice(node.innerStart, node.innerEnd));
      else inlineTokens(out, src, node.children, node.innerStart, node.innerEnd);
      out.close();
    } else {
      out.content(src.slice(node.start, node.end));
    }
    cursor = node.end;
  }
  if (to > cursor) out.content(src.slice(cursor, to));
}

/** A cut must not separate a backslash from the character it escapes. */
export function outsideEscape(text: string, index: number): boolean {
  let backslashes = 0;
  for (let k = index - 1; k >= 0 && text[k] === "\\"; k--) backslashes++;
  return backslashes % 2 === 0;
}

/** The rest of a line that is only a fence (bounded, so a pathological line costs no more than a short one). */
const FENCE_LINE_FROM = /[ \t>]{0,64}(?:`{3,64}|~{3,64})[ \t]{0,64}(?:\n|$)/y;

/**
 * Where a chat-markdown chunk may end: not inside a backslash escape, and not where the rest of
 * the line is a bare fence. Inside a code block no escape can help: the next chunk reopens the
 * block and that line would close it at once (a reply's "x```" split before its backticks).
 */
export function canCutChatMarkdown(text: string, index: number): boolean {
  if (!outsideEscape(text, index)) return false;
  FENCE_LINE_FROM.lastIndex = index;
  return !FENCE_LINE_FROM.test(text);
}

/**
 * A chunk that starts mid-line with `# `, `> `, `- `, `1. ` or a fence would turn into a heading,
 * quote, list item or code block; returns where a backslash keeps it literal, or -1.
 */
export function lineStartEscape(text: string, at: number): number {
  const head = text.slice(at, at + 12);
  if (/^(?:#{1,6}(?:[ \t]|$)|-#[ \t]|>|[-*+](?:[ \t]|$)|`{3}|~{3})/.test(head)) return 0;
  const ordered = /^(\d{1,9})[.)](?:[ \t]|$)/.exec(head);
  return ordered ? ordered[1].length : -1;
}
