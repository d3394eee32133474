/**
 * Telegram messages and button presses -> {@link InboundMessage}. Pure: the core
 * does access control and gating; this only decides what a message says, where it
 * came from, and whether it was addressed to this bot.
 */
import type { MessageEntity } from "grammy/types";
import type { ChatKind, InboundMessage } from "../../src/plugin-api.js";
import { hasFiles } from "./attachments.js";

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

/** Where this bot's @username is mentioned: from Telegram's entities, or by pattern when there are none. */
function botMentions(text: string, entities: MessageEntity[] | undefined, bot: BotIdentity): Range[] {
  const handle = `@${bot.username}`.toLowerCase();
  if (entities) {
    return entities
      .filter((e) => e.type === "mention" && text.slice(e.offset, e.offset + e.length).toLowerCase() === handle)
      .map((e) => ({ start: e.offset, end: e.offset + e.length }));
  }
  const pattern = new RegExp(`(^|[^\\w@])(@${escapeRegExp(bot.username)})(?!\\w)`, "gi");
  return [...text.matchAll(pattern)].map((m) => {
    const start = (m.index ?? 0) + m[1].length;
    return { start, end: start + m[2].length };
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Cuts the mentions out, with the "," or ":" that addressed the bot and one adjoining space. */
function removeRanges(text: string, ranges: Range[]): string {
  let out = text;
  let cutFrom = Infinity; // ranges overlapping one already cut (duplicate entities) are skipped
  for (const r of [...ranges].sort((a, b) => b.start - a.start)) {
    if (r.end > cutFrom || r.start < 0) continue;
    cutFrom = r.start;
    let { start, end } = r;
    if (out[end] === "," || out[end] === ":") end++;
    if (out[end] === " " && (start === 0 || out[start - 1] === " ")) end++;
    else if (out[start - 1] === " " && end === out.length) start--;
    out = out.slice(0, start) + out.slice(end);
  }
  return out.trim();
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value);
const optionalString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

interface Sender {
  id: number;
  isBot: boolean;
  name: string;
}

/** A user as far as the bot needs one; undefined without an integer id. */
function readSender(value: unknown): Sender | undefined {
  if (!isObject(value) || !isInteger(value.id)) return undefined;
  const first = optionalString(value.first_name);
  const last = optionalString(value.last_name);
  const name = [first, last].filter(Boolean).join(" ") || optionalString(value.username) || "";
  return { id: value.id, isBot: value.is_bot === true, name };
}

function readChat(value: unknown): { id: number; kind: ChatKind } | undefined {
  if (!isObject(value) || !isInteger(value.id) || typeof value.type !== "string") return undefined;
  const kind = chatKindOf(value.type);
  return kind ? { id: value.id, kind } : undefined;
}

/** Well-formed entities only; undefined when there is no list, so mentions are then found by pattern. */
function readEntities(value: unknown): MessageEntity[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(
    (e): e is MessageEntity => isObject(e) && typeof e.type === "string" && isInteger(e.offset) && isInteger(e.length) && e.offset >= 0 && e.length >= 0,
  );
}

/** The forum topic a message belongs to, when it is a topic message. */
function readTopicId(message: Fields): number | undefined {
  return message.is_topic_message === true && isInteger(message.message_thread_id) ? message.message_thread_id : undefined;
}

/**
 * Normalizes a message update. Total: returns undefined for what the bot must ignore (messages
 * from bots, messages with neither text, caption nor file, channel posts, `/cmd@OtherBot` commands) and for
 * whatever is malformed (no sender, no chat, no message id, text that is not a string).
 *
 * @example normalizeMessage(msg, { id: 1, username: "BatonBot" }, "default")?.text // "/model opus"
 */
export function normalizeMessage(message: unknown, bot: BotIdentity, accountId: string): InboundMessage | undefined {
  if (!isObject(message) || !isInteger(message.message_id)) return undefined;
  const from = readSender(message.from);
  if (!from || from.isBot) return undefined;
  const chat = readChat(message.chat);
  if (!chat) return undefined;
  const isText = typeof message.text === "string";
  const raw = isText ? (message.text as string) : (optionalString(message.caption) ?? (hasFiles(message) ? "" : undefined));
  if (raw === undefined) return undefined;
  const entities = readEntities(isText ? message.entities : message.caption_entities);

  let text = raw;
  let mentioned = false;
  const command = COMMAND.exec(raw);
  if (command) {
    const target = command[2];
    if (target !== undefined && target.toLowerCase() !== bot.username.toLowerCase()) return undefined;
    mentioned = true;
    if (target !== undefined) text = `/${command[1]}${raw.slice(command[0].length)}`;
  }
  const offsetShift = raw.length - text.length; // the "@BotName" removed from the command, if any
  const mentions = botMentions(raw, entities, bot)
    .filter((r) => r.start >= (command?.[0].length ?? 0))
    .map((r) => ({ start: r.start - offsetShift, end: r.end - offsetShift }));
  if (mentions.length > 0) mentioned = true;
  text = removeRanges(text, mentions);

  const topicId = readTopicId(message);
  // In a forum, every topic message "replies" to the topic's first message; that is no reply to the bot.
  const reply = isObject(message.reply_to_message) && isInteger(message.reply_to_message.message_id) ? message.reply_to_message : undefined;
  const realReply = reply && !(topicId !== undefined && reply.message_id === topicId) ? reply : undefined;
  if (realReply && readSender(realReply.from)?.id === bot.id) mentioned = true;

  return {
    channel: "telegram",
    accountId,
    chatKind: chat.kind,
    chatId: String(chat.id),
    ...(topicId !== undefined ? { topicId: String(topicId) } : {}),
    senderId: String(from.id),
    senderName: from.name,
    senderIsBot: false,
    messageId: String(message.message_id),
    text,
    mentioned,
    ...(realReply ? { replyToMessageId: String(realReply.message_id) } : {}),
    ...(typeof message.date === "number" && Number.isFinite(message.date * 1000) ? { timestamp: message.date * 1000 } : {}),
  };
}

/**
 * A press on one of the bot's inline buttons, as the command it stands for. The press
 * has no message of its own, so `messageId` is the callback query id (`callback:<id>`)
 * and `replyToMessageId` the message carrying the keyboard. Undefined when the keyboard's
 * message is unknown (inline mode), the chat kind is not handled, or the query is malformed.
 */
export function normalizeCallbackQuery(query: unknown, command: string, accountId: string): InboundMessage | undefined {
  if (!isObject(query) || typeof query.id !== "string") return undefined;
  const from = readSender(query.from);
  if (!from || from.isBot) return undefined;
  const message = query.message;
  if (!isObject(message) || !isInteger(message.message_id)) return undefined;
  const chat = readChat(message.chat);
  if (!chat) return undefined;
  // An inaccessible message (date 0) carries nothing but its chat and id.
  const topicId = message.date !== 0 ? readTopicId(message) : undefined;
  return {
    channel: "telegram",
    accountId,
    chatKind: chat.kind,
    chatId: String(chat.id),
    ...(topicId !== undefined ? { topicId: String(topicId) } : {}),
    senderId: String(from.id),
    senderName: from.name,
    senderIsBot: false,
    messageId: `callback:${query.id}`,
    text: command,
    mentioned: true,
    replyToMessageId: String(message.message_id),
    timestamp: Date.now(),
  };
}

/**
 * Serialization key for a chat's updates: chat plus forum topic, so topics run independently.
 * Total, like the normalizers: undefined (no ordering needed) when the chat id is not an integer.
 *
 * @example conversationKey(-100, { is_topic_message: true, message_thread_id: 7 }) // "-100:7"
 */
export function conversationKey(chatId: unknown, message: unknown): string | undefined {
  if (!isInteger(chatId)) return undefined;
  const topicId = isObject(message) ? readTopicId(message) : undefined;
  return topicId !== undefined ? `${chatId}:${topicId}` : String(chatId);
}
