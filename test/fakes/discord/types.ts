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
  /** Files attached by the user; the fake serves each at its attachment `url` (`<fake url>/attachments/...`). */
  attachments?: { filename: string; content: Buffer; content_type?: string }[];
  /**
   * Store the message without a MESSAGE_CREATE: sent while the bot was offline, found only in
   * the channel's history (`GET /channels/:id/messages`).
   */
  offline?: boolean;
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
  /** Files uploaded with this request (multipart `files[n]`), as text. */
  files?: UploadedFileRecord[];
  /** Epoch ms the fake handled the request. */
  at: number;
}

/** One `files[n]` part of a multipart message request. */
export interface UploadedFileRecord {
  name: string;
  /** The bytes, decoded as UTF-8. */
  content: string;
  size: number;
  contentType: string;
}

/** `refuse`: WebSocket upgrades are destroyed; `silent`: the socket opens and nothing is ever said (no HELLO). */
export type GatewayOutage = "refuse" | "silent";

/** A canned REST answer that takes precedence over the fake's routes (see `FakeDiscord.answerWith`). */
export interface RestOverride {
  method?: string;
  /** Path after `/api/v10`; a string matches exactly. */
  path: string | RegExp;
  status: number;
  /** Sent as is when a string (any bytes, e.g. an HTML error page), else as JSON; none when undefined. */
  body?: unknown;
  /** Exactly these headers (plus Content-Type for JSON): no rate-limit headers unless given. */
  headers?: Record<string, string>;
  /** How many requests it answers; unlimited when undefined. */
  times?: number;
  /** Leave matching requests unanswered instead (recorded with status 0), like `stallRest` for one route. */
  hang?: true;
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
  /** Left unanswered (status 0, see `FakeDiscord.stallRest`) and then given up on by the client, which closed the connection. */
  abandoned?: true;
}

export interface GatewayConnectionRecord {
  /** "/gateway" or "/resume". */
  path: string;
  query: Record<string, string>;
  /** The connection met a gateway outage (see `FakeDiscord.gatewayOutage`). */
  outage?: GatewayOutage;
}
