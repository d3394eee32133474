/**
 * Sending, editing and typing, through the flood limiter. HTML Telegram refuses is
 * resent as plain text; edits to identical content are not errors; an edit overtaken
 * by a newer edit of the same message is skipped; anything that still fails is thrown
 * (as {@link TelegramSendError}) so the core can tell the user.
 */
import type { Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Logger, OutboundMessage, OutboundTarget, SentMessage } from "../../src/plugin-api.js";
import type { ApiSignal } from "./api-signal.js";
import type { CallbackDataCodec } from "./callback-data.js";
import { isEntityParseError, isNotModifiedError, toSendError } from "./errors.js";
import { toInlineKeyboard } from "./keyboard.js";
import type { OutboundLimiter } from "./outbound-limiter.js";

/** Numeric chat ids go as numbers; "@channelname" stays a string. */
function chatIdParam(chatId: string): number | string {
  return /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
}

/** A message id Telegram can reply to, or undefined (e.g. a button press's "callback:..." id). */
function messageIdParam(id: string | undefined): number | undefined {
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
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
    const replyTo = messageIdParam(target.replyToMessageId);
    const keyboard = toInlineKeyboard(message.buttons, this.deps.codec);
    const common = {
      ...(target.topicId !== undefined ? { message_thread_id: Number(target.topicId) } : {}),
      ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
      ...(keyboard ? { reply_markup: keyboard } : {}),
    };
    try {
      const sent = await limiter.schedule(target.chatId, async () => {
        try {
          return await api.sendMessage(chatId, message.text, { ...common, parse_mode: "HTML" }, signal);
        } catch (err) {
          if (!isEntityParseError(err)) throw err;
          this.warnPlainFallback(target.chatId, err);
          return await api.sendMessage(chatId, message.plainText, common, signal);
        }
      });
      return { messageId: String(sent.message_id) };
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
      await api.editMessageText(chatId, messageId, message.text, { ...markup, parse_mode: "HTML" }, signal);
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
