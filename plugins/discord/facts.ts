import type { Channel, GuildMember, Interaction, Message, User } from "discord.js";
import type { ChannelFacts, MessageFacts, SenderFacts } from "./inbound.js";

/** Reads the discord.js structures into the plain facts the pure normalizers take. */

export function channelFacts(channel: Channel | null, channelId: string, guildId: string | null): ChannelFacts {
  const isThread = Boolean(channel?.isThread());
  const parentId = channel && channel.isThread() ? channel.parentId ?? undefined : undefined;
  return { channelId, ...(guildId ? { guildId } : {}), isThread, ...(parentId ? { parentId } : {}) };
}

export function senderFacts(user: User, member?: GuildMember | null): SenderFacts {
  const name = member?.displayName ?? user.globalName ?? user.username;
  return { id: user.id, ...(name ? { name } : {}), isBot: user.bot };
}

export function messageFacts(message: Message): MessageFacts {
  return {
    ...channelFacts(message.channel, message.channelId, message.guildId),
    id: message.id,
    author: senderFacts(message.author, message.member),
    ...(message.webhookId ? { webhookId: message.webhookId } : {}),
    type: message.type,
    content: message.content,
    mentionedUserIds: [...message.mentions.users.keys()],
    mentionedRoleIds: [...message.mentions.roles.keys()],
    ...(message.mentions.repliedUser ? { repliedUserId: message.mentions.repliedUser.id } : {}),
    ...(message.reference?.messageId ? { replyToMessageId: message.reference.messageId } : {}),
    timestamp: message.createdTimestamp,
  };
}

export function interactionChannelFacts(interaction: Interaction): ChannelFacts {
  return channelFacts(interaction.channel, interaction.channelId ?? "", interaction.guildId);
}

/** Role ids that stand for the bot in the message's guild (its managed integration role). */
export function botRoleIds(message: Message, botUserId: string): string[] {
  const role = message.guild?.roles.botRoleFor(botUserId);
  return role ? [role.id] : [];
}
