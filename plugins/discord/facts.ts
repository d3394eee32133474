import type { Channel, GuildMember, Interaction, Message, User } from "discord.js";
import type { ChannelFacts, MessageFacts, SenderFacts } from "./inbound.js";

/**
 * Reads the discord.js structures into the plain facts the pure normalizers take. discord.js
 * builds its structures from whatever the gateway sent, so a field may be missing (an author
 * of `null`, a partial channel); these reads never throw.
 */

/** Ids of a discord.js Collection (or anything with `keys()`), else none. */
function keysOf(collection: { keys?: () => Iterable<string> } | null | undefined): string[] {
  return typeof collection?.keys === "function" ? [...collection.keys()] : [];
}

function isThread(channel: Channel | null | undefined): boolean {
  return typeof channel?.isThread === "function" && channel.isThread();
}

export function channelFacts(channel: Channel | null | undefined, channelId: string, guildId: string | null | undefined): ChannelFacts {
  const thread = isThread(channel);
  const parentId = thread ? ((channel as { parentId?: string | null }).parentId ?? undefined) : undefined;
  return { channelId, ...(guildId ? { guildId } : {}), isThread: thread, ...(parentId ? { parentId } : {}) };
}

export function senderFacts(user: User, member?: GuildMember | null): SenderFacts {
  const name = member?.displayName ?? user.globalName ?? user.username;
  return { id: user.id, ...(name ? { name } : {}), isBot: user.bot };
}

/** The facts of a message, or null when it has no author to answer. */
export function messageFacts(message: Message): MessageFacts | null {
  if (!message.author) return null;
  const repliedUserId = message.mentions?.repliedUser?.id;
  const replyToMessageId = message.reference?.messageId;
  return {
    ...channelFacts(message.channel, message.channelId, message.guildId),
    id: message.id,
    author: senderFacts(message.author, message.member),
    ...(message.webhookId ? { webhookId: message.webhookId } : {}),
    type: message.type,
    content: message.content,
    mentionedUserIds: keysOf(message.mentions?.users),
    mentionedRoleIds: keysOf(message.mentions?.roles),
    ...(repliedUserId ? { repliedUserId } : {}),
    ...(replyToMessageId ? { replyToMessageId } : {}),
    timestamp: message.createdTimestamp,
  };
}

export function interactionChannelFacts(interaction: Interaction): ChannelFacts {
  return channelFacts(interaction.channel, interaction.channelId ?? "", interaction.guildId);
}

/** Role ids that stand for the bot in the message's guild (its managed integration role). */
export function botRoleIds(message: Message, botUserId: string): string[] {
  const role = message.guild?.roles?.botRoleFor(botUserId);
  return role ? [role.id] : [];
}
