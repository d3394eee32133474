/**
 * Telegram messages and button presses -> {@link InboundMessage}. Pure: the core
 * does access control and gating; this only decides what a message says, where it
 * came from, and whether it was addressed to this bot.
 */
import type { CallbackQuery, Message, MessageEntity } from "grammy/types";
import type { ChatKind, InboundMessage } from "../../src/plugin-api.js";

export interface BotIdentity {
  id: number;
  /** Without "@". */
  username: string;
}

interface Range {
  start: number;
  end: number;
}

const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?=\s|$)/;

function chatKindOf(type: string): ChatKind | undefined {
  if (type === "private") return "dm";
  if (type === "group" || type === "supergroup") return "group";
  return undefined;
}

function senderName(user: { first_name: string; last_name?: string; username?: string }): string {
  return [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || "";
}

/** Where this bot's @username is mentioned: from Telegram's entities, or by pattern when there are none. */
function botMentions(text: string, entities: MessageEntity[] | undefined, bot: BotIdentity): Range[] {
  const handle = `@${bot.username}`.toLowerCase();
  if (entities) {
    return entities
      .filter((e) => e.type === "mention" && text.slice(e.offset, e.offset + e.length).toLowerCase() === handle)
      .map((e) => ({ start: e.offset, end: e.offset + e.length }));
  }
  const pattern = new RegExp(`(^|[^\\w@])(@${bot.username})(?!\\w)`, "gi");
  return [...text.matchAll(pattern)].map((m) => {
    const start = (m.index ?? 0) + m[1].length;
    return { start, end: start + m[2].length };
  });
}

/** Cuts the mentions out, with the "," or ":" that addressed the bot and one adjoining space. */
function removeRanges(text: string, ranges: Range[]): string {
  let out = text;
  for (const r of [...ranges].sort((a, b) => b.start - a.start)) {
    let { start, end } = r;
    if (out[end] === "," || out[end] === ":") end++;
    if (out[end] === " " && (start === 0 || out[start - 1] === " ")) end++;
    else if (out[start - 1] === " " && end === out.length) start--;
    out = out.slice(0, start) + out.slice(end);
  }
  return out.trim();
}

/**
 * Normalizes a message update. Returns null for what the bot must ignore: messages from
 * bots, messages without text or caption, channel posts, and `/cmd@OtherBot` commands.
 *
 * @example normalizeMessage(msg, { id: 1, username: "BatonBot" }, "default")?.text // "/model opus"
 */
export function normalizeMessage(message: Message, bot: BotIdentity, accountId: string): InboundMessage | null {
  const from = message.from;
  if (!from || from.is_bot) return null;
  const chatKind = chatKindOf(message.chat.type);
  if (!chatKind) return null;
  const raw = message.text ?? message.caption;
  if (raw === undefined) return null;
  const entities = message.text !== undefined ? message.entities : message.caption_entities;

  let text = raw;
  let mentioned = false;
  const command = COMMAND.exec(raw);
  if (command) {
    const target = command[2];
    if (target !== undefined && target.toLowerCase() !== bot.username.toLowerCase()) return null;
    mentioned = true;
    if (target !== undefined) text = `/${command[1]}${raw.slice(command[0].length)}`;
  }
  const offsetShift = raw.length - text.length; // the "@BotName" removed from the command, if any
  const mentions = botMentions(raw, entities, bot)
    .filter((r) => r.start >= (command?.[0].length ?? 0))
    .map((r) => ({ start: r.start - offsetShift, end: r.end - offsetShift }));
  if (mentions.length > 0) mentioned = true;
  text = removeRanges(text, mentions);

  const topicId = message.is_topic_message && message.message_thread_id !== undefined ? String(message.message_thread_id) : undefined;
  // In a forum, every topic message "replies" to the topic's first message; that is no reply to the bot.
  const reply = message.reply_to_message;
  const replyIsTopicRoot = reply !== undefined && topicId !== undefined && reply.message_id === message.message_thread_id;
  const realReply = reply && !replyIsTopicRoot ? reply : undefined;
  if (realReply?.from?.id === bot.id) mentioned = true;

  return {
    channel: "telegram",
    accountId,
    chatKind,
    chatId: String(message.chat.id),
    ...(topicId !== undefined ? { topicId } : {}),
    senderId: String(from.id),
    senderName: senderName(from),
    senderIsBot: false,
    messageId: String(message.message_id),
    text,
    mentioned,
    ...(realReply ? { replyToMessageId: String(realReply.message_id) } : {}),
    timestamp: message.date * 1000,
  };
}

/**
 * A press on one of the bot's inline buttons, as the command it stands for. The press
 * has no message of its own, so `messageId` is the callback query id (`callback:<id>`)
 * and `replyToMessageId` the message carrying the keyboard. Null when the keyboard's
 * message is unknown (inline mode) or the chat kind is not handled.
 */
export function normalizeCallbackQuery(
  query: CallbackQuery,
  command: string,
  accountId: string,
): InboundMessage | null {
  const message = query.message;
  if (!message) return null;
  const chatKind = chatKindOf(message.chat.type);
  if (!chatKind) return null;
  const accessible = message.date !== 0 ? (message as Message) : undefined;
  const topicId =
    accessible?.is_topic_message && accessible.message_thread_id !== undefined ? String(accessible.message_thread_id) : undefined;
  return {
    channel: "telegram",
    accountId,
    chatKind,
    chatId: String(message.chat.id),
    ...(topicId !== undefined ? { topicId } : {}),
    senderId: String(query.from.id),
    senderName: senderName(query.from),
    senderIsBot: false,
    messageId: `callback:${query.id}`,
    text: command,
    mentioned: true,
    replyToMessageId: String(message.message_id),
    timestamp: Date.now(),
  };
}

/** Serialization key for a chat's updates: chat plus forum topic, so topics run independently. */
export function conversationKey(chatId: number | undefined, message: Pick<Message, "is_topic_message" | "message_thread_id"> | undefined): string | undefined {
  if (chatId === undefined) return undefined;
  return message?.is_topic_message && message.message_thread_id !== undefined ? `${chatId}:${message.message_thread_id}` : String(chatId);
}
