import type { ChatKind, InboundMessage } from "../../src/plugin-api.js";
import { stripBotMention } from "./mentions.js";

/** Where a message or interaction happened. */
export interface ChannelFacts {
  channelId: string;
  /** Absent in DMs. */
  guildId?: string;
  isThread: boolean;
  /** The thread's parent channel, when `isThread`. */
  parentId?: string;
}

export interface SenderFacts {
  id: string;
  /** Guild display name, else global name, else username. */
  name?: string;
  isBot: boolean;
}

/** A file attached to a message. */
export interface AttachmentFacts {
  name: string;
  /** Bytes, as Discord declares it. */
  size?: number;
  /** Where Discord's CDN serves it (signed; no token needed). */
  url: string;
  contentType?: string;
}

/** What the plugin needs from a discord.js `Message`, as plain data. */
export interface MessageFacts extends ChannelFacts {
  id: string;
  author: SenderFacts;
  /** Set for messages posted by a webhook. */
  webhookId?: string;
  /** Discord message type: 0 default, 19 reply; others are system messages. */
  type: number;
  content: string;
  mentionedUserIds: readonly string[];
  mentionedRoleIds: readonly string[];
  /** Author of the message this one replies to. */
  repliedUserId?: string;
  replyToMessageId?: string;
  timestamp: number;
  attachments?: AttachmentFacts[];
}

/** The bot as seen from one chat: its user id and, in a guild, its managed role. */
export interface BotIdentity {
  accountId: string;
  userId: string;
  roleIds: readonly string[];
}

const USER_MESSAGE_TYPES = new Set([0, 19]);

/** `value` when it is a non-empty string. */
function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The strings of `value` when it is an array; anything else is no ids. */
function idsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
}

function chatOf(channel: ChannelFacts): { chatKind: ChatKind; chatId: string; parentChatId?: string; guildId?: string } {
  const guildId = stringOf(channel.guildId);
  if (!guildId) return { chatKind: "dm", chatId: channel.channelId };
  const parentId = channel.isThread === true ? stringOf(channel.parentId) : undefined;
  return { chatKind: "channel", chatId: channel.channelId, ...(parentId ? { parentChatId: parentId } : {}), guildId };
}

/**
 * Turns a gateway message into an {@link InboundMessage}, or null when the bot must not
 * answer it: its own messages, other bots', webhooks' and system messages. Facts come from
 * a peer, so their shape is checked here too: a message without an id, channel or author id
 * is null, an author not known to be human counts as a bot, and odd fields are left out.
 */
export function toInboundMessage(message: MessageFacts, bot: BotIdentity): InboundMessage | null {
  if (typeof message !== "object" || message === null) return null;
  const author: Partial<SenderFacts> = typeof message.author === "object" && message.author !== null ? message.author : {};
  const id = stringOf(message.id);
  const channelId = stringOf(message.channelId);
  const senderId = stringOf(author.id);
  if (!id || !channelId || !senderId) return null;
  if (senderId === bot.userId || author.isBot !== false || message.webhookId) return null;
  if (!USER_MESSAGE_TYPES.has(message.type)) return null;
  const mentioned =
    idsOf(message.mentionedUserIds).includes(bot.userId) ||
    message.repliedUserId === bot.userId ||
    idsOf(message.mentionedRoleIds).some((roleId) => bot.roleIds.includes(roleId));
  const senderName = stringOf(author.name);
  const replyToMessageId = stringOf(message.replyToMessageId);
  return {
    channel: "discord",
    accountId: bot.accountId,
    ...chatOf({ ...message, channelId }),
    senderId,
    ...(senderName ? { senderName } : {}),
    senderIsBot: false,
    messageId: id,
    text: stripBotMention(typeof message.content === "string" ? message.content : "", bot.userId, bot.roleIds),
    mentioned,
    ...(replyToMessageId ? { replyToMessageId } : {}),
    ...(Number.isFinite(message.timestamp) ? { timestamp: message.timestamp } : {}),
  };
}

/** What the plugin needs from a slash-command or button interaction. */
export interface CommandFacts extends ChannelFacts {
  interactionId: string;
  user: SenderFacts;
  /** Command text: `/<name>` for slash commands, the button's command for buttons. */
  text: string;
  /** Slash-command option values by name. */
  args?: Record<string, string>;
  /** The message carrying the pressed button. */
  replyToMessageId?: string;
  timestamp: number;
}

/** A native command or button press as an {@link InboundMessage}; it always addresses the bot. */
export function toCommandInbound(command: CommandFacts, accountId: string): InboundMessage {
  return {
    channel: "discord",
    accountId,
    ...chatOf(command),
    senderId: command.user.id,
    ...(command.user.name ? { senderName: command.user.name } : {}),
    senderIsBot: command.user.isBot,
    messageId: command.interactionId,
    text: command.text,
    mentioned: true,
    ...(command.replyToMessageId ? { replyToMessageId: command.replyToMessageId } : {}),
    timestamp: command.timestamp,
    ...(command.args ? { commandArgs: command.args } : {}),
  };
}
