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
}

/** The bot as seen from one chat: its user id and, in a guild, its managed role. */
export interface BotIdentity {
  accountId: string;
  userId: string;
  roleIds: readonly string[];
}

const USER_MESSAGE_TYPES = new Set([0, 19]);

function chatOf(channel: ChannelFacts): { chatKind: ChatKind; chatId: string; parentChatId?: string; guildId?: string } {
  if (!channel.guildId) return { chatKind: "dm", chatId: channel.channelId };
  return {
    chatKind: "channel",
    chatId: channel.channelId,
    ...(channel.isThread && channel.parentId ? { parentChatId: channel.parentId } : {}),
    guildId: channel.guildId,
  };
}

/**
 * Turns a gateway message into an {@link InboundMessage}, or null when the bot must not
 * answer it: its own messages, other bots', webhooks' and system messages.
 */
export function toInboundMessage(message: MessageFacts, bot: BotIdentity): InboundMessage | null {
  if (message.author.id === bot.userId || message.author.isBot || message.webhookId) return null;
  if (!USER_MESSAGE_TYPES.has(message.type)) return null;
  const mentioned =
    message.mentionedUserIds.includes(bot.userId) ||
    message.repliedUserId === bot.userId ||
    message.mentionedRoleIds.some((id) => bot.roleIds.includes(id));
  return {
    channel: "discord",
    accountId: bot.accountId,
    ...chatOf(message),
    senderId: message.author.id,
    ...(message.author.name ? { senderName: message.author.name } : {}),
    senderIsBot: false,
    messageId: message.id,
    text: stripBotMention(message.content, bot.userId, bot.roleIds),
    mentioned,
    ...(message.replyToMessageId ? { replyToMessageId: message.replyToMessageId } : {}),
    timestamp: message.timestamp,
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
