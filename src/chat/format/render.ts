import type { OutboundMessage } from "../../plugin-api.js";
import { chunkTokens } from "./chunker.js";
import { discordTokens, lineStartEscape, outsideEscape } from "./discord.js";
import { markdownToPlain, plainTokens } from "./plain.js";
import { splitText } from "./split-text.js";
import { outsideEntity, telegramHtmlToPlain, telegramTokens } from "./telegram.js";

export { markdownToPlain } from "./plain.js";
export { escapeHtml, markdownToTelegramHtml } from "./telegram.js";
export { splitText, type SplitOptions } from "./split-text.js";

export type ReplyFormat = "telegram-html" | "discord-markdown" | "plain";

/** Room for the markup that wraps a chunk (open tags, closing fences) plus some text. */
export const MIN_REPLY_LIMIT = 64;

/**
 * Formats an agent's Markdown reply for a channel and splits it into messages of at most
 * `limit` characters (after formatting). Each part stands on its own: Telegram HTML tags and
 * Discord code fences and spans are closed at the end of a part and reopened in the next.
 * `plainText` is the same part without markup, also within `limit`. Whitespace-only input
 * gives no parts.
 *
 * @example renderReply("**Done.** See `out.txt`.", "telegram-html", 4096)
 * // [{ text: "<b>Done.</b> See <code>out.txt</code>.", plainText: "Done. See out.txt." }]
 */
export function renderReply(markdown: string, format: ReplyFormat, limit: number): OutboundMessage[] {
  if (!Number.isFinite(limit) || limit < MIN_REPLY_LIMIT) throw new RangeError(`message limit must be at least ${MIN_REPLY_LIMIT}, got ${limit}`);
  if (!markdown.trim()) return [];
  let parts: OutboundMessage[];
  switch (format) {
    case "telegram-html":
      parts = chunkTokens(telegramTokens(markdown), { limit, canCutAt: outsideEntity }).map((text) => ({
        text,
        plainText: telegramHtmlToPlain(text),
      }));
      break;
    case "plain":
      parts = chunkTokens(plainTokens(markdown), { limit }).map((text) => ({ text, plainText: text }));
      break;
    case "discord-markdown":
      parts = discordParts(markdown, limit, limit);
      break;
  }
  return parts.filter((part) => part.plainText.trim() !== "");
}

function discordParts(markdown: string, limit: number, textLimit: number): OutboundMessage[] {
  const parts: OutboundMessage[] = [];
  for (const text of chunkTokens(discordTokens(markdown), { limit: textLimit, canCutAt: outsideEscape, escapeLineStart: lineStartEscape })) {
    const plainText = markdownToPlain(text);
    if (plainText.length <= limit) {
      parts.push({ text, plainText });
    } else if (textLimit - (plainText.length - limit) >= MIN_REPLY_LIMIT) {
      // Plain text came out longer than the Markdown (list renumbering past 9): split this part finer.
      parts.push(...discordParts(text, limit, textLimit - (plainText.length - limit)));
    } else {
      for (const piece of splitText(plainText, limit)) parts.push({ text: piece, plainText: piece });
    }
  }
  return parts;
}
