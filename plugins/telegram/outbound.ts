/**
 * Sending, editing, files and typing, through the flood limiter. HTML Telegram refuses is
 * resent as plain text; edits to identical content are not errors; an edit overtaken
 * by a newer edit of the same message is skipped; anything that still fails is thrown
 * (as {@link TelegramSendError}) so the core can tell the user. No HTML link to a `tg:` URL
 * leaves here (it would mention a user, see tg-links.ts).
 */
import { InputFile, type Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Logger, OutboundFile, OutboundMessage, OutboundTarget, SentMessage } from "../../src/plugin-api.js";
import type { ApiSignal } from "./api-signal.js";
import type { CallbackDataCodec } from "./callback-data.js";
import { isEntityParseError, isNotModifiedError, TelegramSendError, toSendError } from "./errors.js";
import { toInlineKeyboard } from "./keyboard.js";
import type { OutboundLimiter } from "./outbound-limiter.js";
import { withoutTgLinks } from "./tg-links.js";

/** Telegram's limit for a document caption, in characters. */
const MAX_CAPTION = 1024;

/** Numeric chat ids go as numbers; "@channelname" stays a string. */
function chatIdParam(chatId: string): number | string {
  return /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
}

/** The id of the message Telegram says it sent; a send whose answer has none did not work as far as anyone can tell. */
function sentId(answer: unknown): SentMessage {
  const id = typeof answer === "object" && answer !== null ? (answer as { message_id?: unknown }).message_id : undefined;
  if (typeof id !== "number" || !Number.isSafeInteger(id)) throw new TelegramSendError("the Bot API answered without a message id");
  return { messageId: String(id) };
}

/** A file name Telegram and multipart headers take: no line breaks, quotes or path; never empty. */
export function safeFileName(name: string): string {
  const cleaned = [...name]
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch !== "\u007f" && !`"\\/`.includes(ch))
    .join("")
    .trim()
    .slice(0, 128);
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "file.txt" : cleaned;
}

/** At most `max` UTF-16 units (what Telegram counts), without splitting a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** A message id Telegram can reply to, or undefined (e.g. a button press's "callback:..." id). */
function messageIdParam(id: string | undefined): number | undefined {
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
}

/** Topic and reply-to of a message sent to `target`. */
function placement(target: OutboundTarget) {
  const replyTo = messageIdParam(target.replyToMessageId);
  return {
    ...(target.topicId !== undefined ? { message_thread_id: Number(target.topicId) } : {}),
    ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
  };
}

export interface OutboundDeps {
  api: Api;
  limiter: OutboundLimiter;
  codec: CallbackDataCodec;
  /** Aborts in-flight calls and retry waits when the plugin stops. */
  signal: ApiSignal;
  log: Logger;
  token: string;
}

export class TelegramOutbound {
  private readonly latestEdit = new Map<string, number>();
  private editSequence = 0;

  constructor(private readonly deps: OutboundDeps) {}

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const { api, limiter, signal } = this.deps;
    const chatId = chatIdParam(target.chatId);
    const keyboard = toInlineKeyboard(message.buttons, this.deps.codec);
    const common = { ...placement(target), ...(keyboard ? { reply_markup: keyboard } : {}) };
    const html = withoutTgLinks(message.text);
    try {
      const sent = await limiter.schedule(target.chatId, async () => {
        try {
          return await api.sendMessage(chatId, html, { ...common, parse_mode: "HTML" }, signal);
        } catch (err) {
          if (!isEntityParseError(err)) throw err;
          this.warnPlainFallback(target.chatId, err);
          return await api.sendMessage(chatId, message.plainText, common, signal);
        }
      });
      return sentId(sent);
    } catch (err) {
      throw toSendError(err, this.deps.token);
    }
  }

  /** Sends `file` as a document (multipart upload), its caption as plain text cut to Telegram's 1024 characters. */
  async sendFile(target: OutboundTarget, file: OutboundFile): Promise<SentMessage> {
    const { api, limiter, signal } = this.deps;
    const chatId = chatIdParam(target.chatId);
    // A Buffer, never a string: grammY reads a string as a path on this machine.
    const document = new InputFile(Buffer.from(file.content, "utf8"), safeFileName(file.name));
    const caption = file.caption ? { caption: clip(file.caption, MAX_CAPTION) } : {};
    try {
      const sent = await limiter.schedule(target.chatId, () => api.sendDocument(chatId, document, { ...placement(target), ...caption }, signal));
      return sentId(sent);
    } catch (err) {
      throw toSendError(err, this.deps.token);
    }
  }

  async edit(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void> {
    const id = messageIdParam(messageId);
    if (id === undefined) throw toSendError(new Error(`not a Telegram message id: ${messageId}`), this.deps.token);
    const key = `${target.chatId}:${id}`;
    const sequence = ++this.editSequence;
    this.latestEdit.set(key, sequence);
    const keyboard = toInlineKeyboard(message.buttons, this.deps.codec);
    try {
      await this.deps.limiter.schedule(
        target.chatId,
        () => this.editNow(chatIdParam(target.chatId), id, message, keyboard),
        // A newer edit of the same message is queued: it carries the final text, this one can go.
        () => this.latestEdit.get(key) !== sequence,
      );
    } catch (err) {
      throw toSendError(err, this.deps.token);
    } finally {
      if (this.latestEdit.get(key) === sequence) this.latestEdit.delete(key);
    }
  }

  async typing(target: OutboundTarget): Promise<void> {
    const topic = target.topicId !== undefined ? { message_thread_id: Number(target.topicId) } : {};
    try {
      await this.deps.api.sendChatAction(chatIdParam(target.chatId), "typing", topic, this.deps.signal);
    } catch (err) {
      throw toSendError(err, this.deps.token);
    }
  }

  private async editNow(
    chatId: number | string,
    messageId: number,
    message: OutboundMessage,
    keyboard: InlineKeyboardMarkup | undefined,
  ): Promise<void> {
    const { api, signal } = this.deps;
    const markup = keyboard ? { reply_markup: keyboard } : {};
    try {
      await api.editMessageText(chatId, messageId, withoutTgLinks(message.text), { ...markup, parse_mode: "HTML" }, signal);
    } catch (err) {
      if (isNotModifiedError(err)) return;
      if (!isEntityParseError(err)) throw err;
      this.warnPlainFallback(String(chatId), err);
      try {
        await api.editMessageText(chatId, messageId, message.plainText, markup, signal);
      } catch (plainErr) {
        if (!isNotModifiedError(plainErr)) throw plainErr;
      }
    }
  }

  private warnPlainFallback(chatId: string, err: unknown): void {
    this.deps.log.warn("telegram: HTML refused, sent as plain text", {
      chatId,
      error: toSendError(err, this.deps.token).description,
    });
  }
}
