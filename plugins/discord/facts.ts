import type { Channel, Client, GuildMember, Interaction, Message, User } from "discord.js";
import type { AttachmentFacts, ChannelFacts, MessageFacts, SenderFacts } from "./inbound.js";

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
    attachments: attachmentFacts(message.attachments),
  };
}

/** A discord.js attachment collection as facts; anything without a URL is left out. */
function attachmentFacts(collection: Message["attachments"] | null | undefined): AttachmentFacts[] {
  const list = typeof collection?.values === "function" ? [...collection.values()] : [];
  return list
    .filter((a) => typeof a?.url === "string" && a.url !== "")
    .map((a) => ({
      name: typeof a.name === "string" && a.name ? a.name : "attachment",
      ...(typeof a.size === "number" ? { size: a.size } : {}),
      url: a.url,
      ...(typeof a.contentType === "string" ? { contentType: a.contentType } : {}),
    }));
}

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The facts of a message from the REST API (a channel's history, for catch-up), which carries no
 * guild or thread: `where` says where it was read. Null without an id or author. Never throws.
 */
export function rawMessageFacts(raw: unknown, where: ChannelFacts): MessageFacts | null {
  if (!isJson(raw) || !isJson(raw.author)) return null;
  const id = str(raw.id);
  const authorId = str(raw.author.id);
  if (!id || !authorId) return null;
  const member = isJson(raw.member) ? raw.member : undefined;
  const name = str(member?.nick) ?? str(raw.author.global_name) ?? str(raw.author.username);
  const ids = (list: unknown, pick: (item: unknown) => unknown) => (Array.isArray(list) ? list.map(pick).filter((x): x is string => typeof x === "string") : []);
  const referenced = isJson(raw.referenced_message) && isJson(raw.referenced_message.author) ? str(raw.referenced_message.author.id) : undefined;
  const reference = isJson(raw.message_reference) ? str(raw.message_reference.message_id) : undefined;
  const timestamp = typeof raw.timestamp === "string" ? Date.parse(raw.timestamp) : Number.NaN;
  const attachments = Array.isArray(raw.attachments)
    ? raw.attachments.filter(isJson).flatMap((a): AttachmentFacts[] => {
        const url = str(a.url);
        if (!url) return [];
        return [{ name: str(a.filename) ?? "attachment", ...(typeof a.size === "number" ? { size: a.size } : {}), url, ...(str(a.content_type) ? { contentType: str(a.content_type) } : {}) }];
      })
    : [];
  return {
    ...where,
    id,
    author: { id: authorId, ...(name ? { name } : {}), isBot: raw.author.bot === true },
    ...(str(raw.webhook_id) ? { webhookId: str(raw.webhook_id) } : {}),
    type: typeof raw.type === "number" ? raw.type : -1,
    content: typeof raw.content === "string" ? raw.content : "",
    mentionedUserIds: ids(raw.mentions, (m) => (isJson(m) ? m.id : undefined)),
    mentionedRoleIds: ids(raw.mention_roles, (r) => r),
    ...(referenced ? { repliedUserId: referenced } : {}),
    ...(reference ? { replyToMessageId: reference } : {}),
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
    attachments,
  };
}

/** The bot's managed role in a guild, from the client's cache (for mentions of the role). */
export function guildBotRoleIds(client: Client, guildId: string | undefined, botUserId: string): string[] {
  const role = guildId ? client.guilds.cache.get(guildId)?.roles?.botRoleFor(botUserId) : undefined;
  return role ? [role.id] : [];
}

export function interactionChannelFacts(interaction: Interaction): ChannelFacts {
  return channelFacts(interaction.channel, interaction.channelId ?? "", interaction.guildId);
}

/** Role ids that stand for the bot in the message's guild (its managed integration role). */
export function botRoleIds(message: Message, botUserId: string): string[] {
  const role = message.guild?.roles?.botRoleFor(botUserId);
  return role ? [role.id] : [];
}
