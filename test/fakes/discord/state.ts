import { EventEmitter } from "node:events";
import { channelPayload, dmChannelPayload, type GuildShape, userPayload } from "./payloads.js";
import { createSnowflakeSource } from "./snowflake.js";
import type {
  BotMessageRecord,
  CommandPutRecord,
  FakeChannelInput,
  FakeUser,
  InteractionRecord,
  RequestRecord,
  UploadedFileRecord,
} from "./types.js";

export interface StoredChannel {
  payload: Record<string, any>;
  guildId?: string;
}

export interface StoredInteraction extends InteractionRecord {
  payload: Record<string, any>;
}

/**
 * Everything the fake Discord knows: guilds, channels, users, messages, commands and
 * interactions, plus the records tests read. REST and gateway share one instance.
 */
export class DiscordState {
  readonly nextId = createSnowflakeSource();
  readonly botUser: FakeUser;
  readonly ownerUser: FakeUser;
  readonly guilds = new Map<string, GuildShape>();
  readonly channels = new Map<string, StoredChannel>();
  readonly users = new Map<string, FakeUser>();
  /** Message payloads by id: user messages the fake emitted and messages the bot sent. */
  readonly storedMessages = new Map<string, Record<string, any>>();
  /** Registered application commands by scope ("global" or guild id). */
  readonly commands = new Map<string, Record<string, any>[]>();
  readonly commandPuts: CommandPutRecord[] = [];
  readonly messages: BotMessageRecord[] = [];
  readonly interactions = new Map<string, StoredInteraction>();
  readonly requests: RequestRecord[] = [];
  count429 = 0;
  /** Emits "change" after every state change; `waitFor` listens to it. */
  readonly events = new EventEmitter();
  /** Set by the gateway: sends a dispatch event to every live session. */
  dispatch: (t: string, d: unknown) => void = () => {};

  constructor(
    readonly token: string,
    readonly applicationId: string,
  ) {
    this.events.setMaxListeners(0);
    this.botUser = { id: applicationId, username: "Baton", global_name: null, bot: true };
    this.ownerUser = { id: this.nextId(), username: "owner" };
    this.rememberUser(this.botUser);
    this.rememberUser(this.ownerUser);
  }

  changed(): void {
    this.events.emit("change");
  }

  rememberUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  addGuild(guild: GuildShape): void {
    this.guilds.set(guild.id, guild);
    for (const channel of guild.channels) this.channels.set(channel.id, { payload: channelPayload(channel, guild.id), guildId: guild.id });
  }

  addChannel(guildId: string, channel: FakeChannelInput): void {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`fake discord: unknown guild ${guildId}`);
    guild.channels.push(channel);
    this.channels.set(channel.id, { payload: channelPayload(channel, guildId), guildId });
  }

  /** The DM channel with `user`, created on first use under the given id. */
  ensureDmChannel(id: string, user: FakeUser): StoredChannel {
    let channel = this.channels.get(id);
    if (!channel) {
      channel = { payload: dmChannelPayload(id, user) };
      this.channels.set(id, channel);
    }
    return channel;
  }

  /** A full message object as Discord returns it for a bot-authored message; `files` become its attachments. */
  botMessagePayload(channel: StoredChannel, body: Record<string, any>, extra: Record<string, unknown> = {}, files: readonly UploadedFileRecord[] = []): Record<string, any> {
    return {
      id: this.nextId(),
      channel_id: channel.payload.id,
      ...(channel.guildId ? { guild_id: channel.guildId } : {}),
      author: userPayload(this.botUser),
      content: body.content ?? "",
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: this.attachmentPayloads(channel.payload.id, files),
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      pinned: false,
      type: 0,
      flags: body.flags ?? 0,
      ...(body.message_reference ? { message_reference: body.message_reference } : {}),
      ...extra,
    };
  }

  /** Attachment objects for uploaded files, as a message carries them. */
  attachmentPayloads(channelId: string, files: readonly UploadedFileRecord[]): Record<string, unknown>[] {
    return files.map((file) => {
      const id = this.nextId();
      const url = `https://cdn.discordapp.invalid/attachments/${channelId}/${id}/${encodeURIComponent(file.name)}`;
      return { id, filename: file.name, size: file.size, url, proxy_url: url, content_type: file.contentType };
    });
  }

  record(entry: Omit<BotMessageRecord, "at">): void {
    this.messages.push({ ...entry, at: Date.now() });
  }
}
