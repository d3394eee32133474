/** Wire shapes the fake Bot API produces and accepts (a loose subset of Telegram's types). */
import type { TelegramEntity } from "./html.js";

export type ChatType = "private" | "group" | "supergroup" | "channel";

export interface FakeChat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_forum?: boolean;
}

export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  [field: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

export interface FakeMessage {
  message_id: number;
  date: number;
  chat: FakeChat;
  from?: FakeUser;
  text?: string;
  entities?: TelegramEntity[];
  caption?: string;
  caption_entities?: TelegramEntity[];
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_to_message?: FakeMessage;
  reply_markup?: InlineKeyboardMarkup;
  edit_date?: number;
  forum_topic_created?: { name: string; icon_color: number };
  [field: string]: unknown;
}

export interface FakeCallbackQuery {
  id: string;
  from: FakeUser;
  message?: FakeMessage;
  chat_instance: string;
  data?: string;
}

export interface FakeUpdate {
  update_id: number;
  message?: FakeMessage;
  edited_message?: FakeMessage;
  callback_query?: FakeCallbackQuery;
  [field: string]: unknown;
}

export interface BotCommand {
  command: string;
  description: string;
}

/** One message the bot sent or edited, as the fake recorded it. */
export interface SentRecord {
  method: "sendMessage" | "editMessageText";
  chat_id: number;
  message_id: number;
  message_thread_id?: number;
  /** Text exactly as the bot sent it (markup included). */
  text: string;
  parse_mode?: string;
  /** Text as users see it, after entity parsing. */
  plain_text: string;
  entities: TelegramEntity[];
  reply_markup?: InlineKeyboardMarkup;
  reply_to_message_id?: number;
  /** Milliseconds since epoch when the fake accepted it. */
  at: number;
}

/** A document the bot sent (sendDocument with an uploaded file), as the fake recorded it. */
export interface DocumentRecord {
  chat_id: number;
  message_id: number;
  message_thread_id?: number;
  file_name: string;
  /** The uploaded bytes. */
  content: Buffer;
  caption?: string;
  reply_to_message_id?: number;
  at: number;
}

export interface ChatActionRecord {
  chat_id: number;
  action: string;
  message_thread_id?: number;
  at: number;
}

export interface CallbackAnswerRecord {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
}

export interface ApiCallRecord {
  method: string;
  params: Record<string, unknown>;
  /** error_code when the call failed. */
  errorCode?: number;
  at: number;
}

export interface WebhookState {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
  maxConnections?: number;
}
