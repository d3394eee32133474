/** Public shapes of the fake Discord: what tests pass in and read back. */

export interface FakeUser {
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
}

/** A guild channel: type 0 text, 2 voice, 4 category, 5 announcement, 11/12 public/private thread, 15 forum. */
export interface FakeChannelInput {
  id: string;
  name: string;
  type: number;
  parent_id?: string;
}

export interface FakeGuildInput {
  id: string;
  name?: string;
  channels: FakeChannelInput[];
  /** The bot's managed role id, when the guild gives the bot one. */
  botRoleId?: string;
}

export interface EmitMessageInput {
  channel_id: string;
  /** Absent for DMs. */
  guild_id?: string;
  author: FakeUser;
  content: string;
  /** Users mentioned besides the `<@id>` tokens found in `content` (Discord parses those itself). */
  mentions?: FakeUser[];
  /** Role ids mentioned besides the `<@&id>` tokens in `content`. */
  mention_roles?: string[];
  /** Id of an earlier message this one replies to (user-emitted or bot-sent). */
  replyTo?: string;
  /** Message type; defaults to 0 (or 19 when `replyTo` is set). */
  type?: number;
  /** Pass an id to re-emit the same message (e.g. to test de-duplication). */
  id?: string;
}

export interface EmitCommandInput {
  name: string;
  /** String option values by option name. */
  options?: Record<string, string>;
  user: FakeUser;
  channel_id: string;
  guild_id?: string;
}

export interface EmitAutocompleteInput extends EmitCommandInput {
  /** The option the user is typing in; its value is `options[focused]` (or ""). */
  focused: string;
}

export interface EmitButtonInput {
  custom_id: string;
  /** The bot message carrying the button. */
  message_id: string;
  user: FakeUser;
  channel_id: string;
  guild_id?: string;
}

/** One message the bot created, edited or deleted, through a channel route or an interaction webhook. */
export interface BotMessageRecord {
  kind: "create" | "edit" | "delete";
  id: string;
  channel_id: string;
  content: string;
  allowed_mentions: unknown;
  flags: number;
  components: unknown[];
  message_reference?: unknown;
  source: "channel" | "interaction";
  interactionId?: string;
  /** Epoch ms the fake handled the request. */
  at: number;
}

export interface InteractionCallbackRecord {
  type: number;
  data: any;
  /** Milliseconds between the fake emitting the interaction and receiving the callback. */
  afterMs: number;
}

export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 application command, 3 message component, 4 autocomplete. */
  type: number;
  channel_id: string;
  guild_id?: string;
  emittedAt: number;
  callback?: InteractionCallbackRecord;
  /** The original response message (created by callback 4 or 5), as it stands now. */
  original?: { id: string; content: string; flags: number; deleted: boolean; edits: number };
  /** Follow-up messages that were not absorbed into a deferred original. */
  followUps: { id: string; content: string; flags: number; afterMs: number }[];
}

export interface CommandPutRecord {
  /** "global" or the guild id. */
  scope: string;
  commands: any[];
  at: number;
}

export interface RequestRecord {
  method: string;
  /** Path after `/api/v10`, query excluded. */
  path: string;
  status: number;
  /** `performance.now()` when the request arrived. */
  at: number;
}

export interface GatewayConnectionRecord {
  /** "/gateway" or "/resume". */
  path: string;
  query: Record<string, string>;
}
