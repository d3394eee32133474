import type { FakeChannelInput, FakeUser } from "./types.js";

/** Channel types the fake treats as threads (announcement, public, private). */
export const THREAD_TYPES = new Set([10, 11, 12]);
export const DM_CHANNEL_TYPE = 1;
/** The permissions a bot with every text permission holds, as Discord sends them (a decimal string). */
export const BOT_PERMISSIONS = "2248473465835073";

export function userPayload(user: FakeUser): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    global_name: user.global_name ?? null,
    discriminator: "0",
    avatar: null,
    bot: user.bot ?? false,
    public_flags: 0,
  };
}

export function memberPayload(user: FakeUser, roles: string[] = []): Record<string, unknown> {
  return {
    user: userPayload(user),
    nick: null,
    roles,
    joined_at: new Date(0).toISOString(),
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    permissions: BOT_PERMISSIONS,
  };
}

export function channelPayload(channel: FakeChannelInput, guildId: string): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: channel.id,
    type: channel.type,
    name: channel.name,
    guild_id: guildId,
    parent_id: channel.parent_id ?? null,
    position: 0,
    permission_overwrites: [],
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
  if (THREAD_TYPES.has(channel.type)) {
    base.owner_id = "0";
    base.member_count = 1;
    base.message_count = 0;
    base.total_message_sent = 0;
    base.thread_metadata = {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: new Date().toISOString(),
      locked: false,
    };
    delete base.permission_overwrites;
    delete base.position;
  }
  return base;
}

export function dmChannelPayload(id: string, recipient: FakeUser): Record<string, unknown> {
  return { id, type: DM_CHANNEL_TYPE, last_message_id: null, flags: 0, recipients: [userPayload(recipient)] };
}

export interface GuildShape {
  id: string;
  name: string;
  channels: FakeChannelInput[];
  botRoleId?: string;
}

/** A GUILD_CREATE payload: the guild, its channels and active threads, and the bot's own member. */
export function guildCreatePayload(guild: GuildShape, bot: FakeUser, ownerId: string): Record<string, unknown> {
  const everyone = { id: guild.id, name: "@everyone", permissions: "1071698660929", position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 };
  const roles: Record<string, unknown>[] = [everyone];
  if (guild.botRoleId) {
    roles.push({
      id: guild.botRoleId, name: bot.username, permissions: BOT_PERMISSIONS, position: 1, color: 0, hoist: false,
      managed: true, mentionable: false, flags: 0, tags: { bot_id: bot.id },
    });
  }
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles,
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: "en-US",
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [memberPayload(bot, guild.botRoleId ? [guild.botRoleId] : [])],
    channels: guild.channels.filter((c) => !THREAD_TYPES.has(c.type)).map((c) => channelPayload(c, guild.id)),
    threads: guild.channels.filter((c) => THREAD_TYPES.has(c.type)).map((c) => channelPayload(c, guild.id)),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

/** Finds `<@id>`/`<@!id>` user mentions and `<@&id>` role mentions in message content, as Discord does. */
export function parseMentionTokens(content: string): { userIds: string[]; roleIds: string[] } {
  const userIds = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]);
  const roleIds = [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]);
  return { userIds: [...new Set(userIds)], roleIds: [...new Set(roleIds)] };
}
