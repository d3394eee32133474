import type { OutboundMessage } from "../../plugin-api.js";
import { lastCutIndex, type CutFilter } from "./boundaries.js";
import { chunkStream, chunkTokens, type ChunkOptions } from "./chunker.js";
import { canCutChatMarkdown, chatMarkdownTokens, lineStartEscape } from "./chat-markdown.js";
import { markdownToPlain, plainTokens } from "./plain.js";
import { escapeHtml, outsideEntity, htmlToPlain, htmlTokens } from "./html.js";
import type { TokenStream } from "./tokens.js";

export { markdownToPlain } from "./plain.js";
export { escapeHtml, markdownToHtml } from "./html.js";
export { splitText, type SplitOptions } from "./split-text.js";

export type ReplyFormat = "html" | "chat-markdown" | "plain";

/** Room for the markup that wraps a chunk (open tags, closing fences) plus some text. */
export const MIN_REPLY_LIMIT = 64;

/**
 * The most messages {@link renderReply} makes of a reply: `ceil(length / limit) + 2`, whatever
 * its markup.
 * @example maxReplyParts("*a".repeat(1500), 4096) // 3
 */
export function maxReplyParts(markdown: string, limit: number): number {
  return Math.ceil(markdown.length / limit) + 2;
}

/**
 * Formats an agent's Markdown reply for a channel and splits it into messages of at most
 * `limit` characters as the platform counts them (UTF-16 units): for Telegram the text after
 * parsing the HTML, and the plain-text fallback with its link URLs; for Discord the Markdown as
 * sent. Each part stands on its own: Telegram HTML tags and Discord code fences and spans are
 * closed at the end of a part and reopened in the next. `plainText` is the same part without
 * markup, also within `limit`.
 *
 * At most {@link maxReplyParts} parts: if the preferred split points (paragraphs, lines, spaces)
 * would make more, parts are filled closer to the limit; if the formatting itself costs too much
 * for that (a long link's URL or a span's markup repeated in every part at a small limit), the
 * reply goes as its literal source text instead: escaped for Telegram, as written for Discord
 * (whose spans and fences are then not closed at cuts). Grapheme clusters are never split, so
 * text made only of long emoji sequences at a tiny limit can need a part or two more.
 *
 * A reply with anything in it gives at least one part: markup that formats to nothing (a lone
 * fence, `#`, a zero-width space) goes literally. Whitespace-only input gives none; the caller
 * decides what an empty reply says.
 *
 * @example renderReply("**Done.** See `out.txt`.", "html", 4096)
 * // [{ text: "<b>Done.</b> See <code>out.txt</code>.", plainText: "Done. See out.txt." }]
 */
export function renderReply(markdown: string, format: ReplyFormat, limit: number): OutboundMessage[] {
  return renderReplyDetailed(markdown, format, limit).parts;
}

/** What {@link renderReply} made of a reply. */
export interface RenderedReply {
  parts: OutboundMessage[];
  /** The parts hold the reply's source text rather than its formatting (see {@link renderReply}). */
  literal: boolean;
}

/** {@link renderReply}, also telling whether the reply went as its literal source text. */
export function renderReplyDetailed(markdown: string, format: ReplyFormat, limit: number): RenderedReply {
  if (!Number.isFinite(limit) || limit < MIN_REPLY_LIMIT) throw new RangeError(`message limit must be at least ${MIN_REPLY_LIMIT}, got ${limit}`);
  if (!markdown.trim()) return { parts: [], literal: false };
  const maxParts = maxReplyParts(markdown, limit);
  const formatted = formattedParts(markdown, format, limit, maxParts) ?? [];
  if (formatted.length > 0 && formatted.length <= maxParts) return { parts: formatted, literal: false };
  const literal = literalParts(markdown, format, limit, maxParts);
  if (formatted.length > 0 && formatted.length <= literal.length) return { parts: formatted, literal: false };
  return { parts: literal, literal: true };
}

/** The formatted parts; undefined when Discord Markdown could not keep its markup whole (a fence line longer than a part). */
function formattedParts(markdown: string, format: ReplyFormat, limit: number, maxChunks: number): OutboundMessage[] | undefined {
  switch (format) {
    case "html":
      return chunkTokens(htmlTokens(markdown), { limit, maxChunks, html: true, canCutAt: outsideEntity }).map((text) => ({
        text,
        plainText: htmlToPlain(text),
      }));
    case "plain":
      return chunkTokens(plainTokens(markdown), { limit, maxChunks }).map((text) => ({ text, plainText: text }));
    case "chat-markdown": {
      // A bare Discord piece is Markdown out of its context (code read as markup): not formatted.
      const { chunks, bare } = chunkStream(chatMarkdownTokens(markdown), { limit, maxChunks, canCutAt: canCutChatMarkdown, escapeLineStart: lineStartEscape });
      return bare ? undefined : chunks.map((text) => ({ text, plainText: chatMarkdownPlainText(text, limit) }));
    }
  }
}

/**
 * A Discord part read without its markup; the part as written when that reads as nothing (a lone
 * fence) or comes out longer (list markers added to lazy lines).
 */
function chatMarkdownPlainText(text: string, limit: number): string {
  const plain = markdownToPlain(text);
  return plain.trim() && plain.length <= limit ? plain : text;
}

/** The reply's source text, escaped for the format, split to fill each part. */
function literalParts(markdown: string, format: ReplyFormat, limit: number, maxChunks: number): OutboundMessage[] {
  const html = format === "html";
  const source = markdown.replace(/\r\n?/g, "\n").trim();
  const text = html ? escapeHtml(source) : source;
  const options: ChunkOptions =
    format === "chat-markdown"
      ? { limit, maxChunks, canCutAt: canCutChatMarkdown, escapeLineStart: lineStartEscape }
      : { limit, maxChunks, html, canCutAt: html ? outsideEntity : undefined };
  const stream: TokenStream = { tokens: [{ kind: "content", text, frames: [], breakable: true }], endFrames: [] };
  const chunks = chunkTokens(stream, options);
  // Text of invisible characters only (zero-width spaces) has nothing the chunker would send.
  const pieces = chunks.length > 0 ? chunks : slices(text, limit, options.canCutAt);
  return pieces.map((piece) => ({ text: piece, plainText: html ? htmlToPlain(piece) : piece }));
}

/** `text` in pieces of at most `limit`, cut between graphemes. */
function slices(text: string, limit: number, filter?: CutFilter): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    const end = at + limit >= text.length ? text.length : lastCutIndex(text, at, at + 1, at + limit, filter);
    pieces.push(text.slice(at, end));
    at = end;
  }
  return pieces;
}
