/**
 * The only surface channel plugins import. A plugin adapts one chat platform:
 * it turns platform events into {@link InboundMessage}s, hands them to the core
 * through {@link ChannelContext.dispatch}, and sends what the core gives it.
 *
 * Everything a plugin starts must stop when `ctx.signal` aborts (or `stop()` is called).
 */

export type ChatKind = "dm" | "group" | "channel";

/** A message from a user, normalized across platforms. */
export interface InboundMessage {
  /** Plugin id: "telegram", "discord", "console". */
  channel: string;
  /** Bot account on that channel; "default" for the single-account case. */
  accountId: string;
  /** dm: one-to-one; group: Telegram group/supergroup; channel: Discord guild text channel or thread. */
  chatKind: ChatKind;
  /** Platform chat id (Telegram chat id, Discord channel or thread id, console session name). */
  chatId: string;
  /** Telegram forum topic id (message_thread_id) when the group is a forum. */
  topicId?: string;
  /** Discord: the parent channel id when chatId is a thread. */
  parentChatId?: string;
  /** Discord guild id, when in a guild. */
  guildId?: string;
  senderId: string;
  senderName?: string;
  senderIsBot?: boolean;
  /** Platform message id (used for replies and de-duplication). */
  messageId: string;
  /** Text with the bot mention stripped and `/cmd@BotName` normalized to `/cmd`. */
  text: string;
  /** The bot was @mentioned, replied to, or addressed by a command. */
  mentioned: boolean;
  replyToMessageId?: string;
  /** Milliseconds since epoch the platform gives for the message. */
  timestamp?: number;
  /**
   * Set by native commands (Discord slash commands): the option values by arg name.
   * `text` is then just `/<name>` and the core reads the arguments from here.
   */
  commandArgs?: Record<string, string>;
}

/** Where to send: a chat (and topic/thread) on one channel. */
export interface OutboundTarget {
  chatId: string;
  topicId?: string;
  replyToMessageId?: string;
}

export interface ReplyButton {
  label: string;
  /** Command text the press stands for, e.g. "/model opus". */
  command: string;
}

/** One already-formatted message part, never longer than the plugin's limit. */
export interface OutboundMessage {
  /** Text in the plugin's declared format (Telegram HTML, Discord Markdown, plain). */
  text: string;
  /** Same content without markup; sent when the platform rejects the formatted text. */
  plainText: string;
  buttons?: ReplyButton[][];
  /** Visible only to the sender where the platform supports it (Discord interactions). */
  ephemeral?: boolean;
}

export interface SentMessage {
  messageId: string;
}

/**
 * A text file sent as an attachment: the rest of a reply past `messages.maxParts` goes as
 * `reply.md`. Plugins whose platform takes files implement `sendFile`.
 */
export interface OutboundFile {
  /** File name shown to the user, e.g. "reply.md". */
  name: string;
  /** UTF-8 text content. */
  content: string;
  /** Short plain text shown with the file (may be empty). */
  caption?: string;
}

/** Where replies to one dispatched message go, when not to `plugin.send` (e.g. a Discord interaction follow-up). */
export interface ReplySink {
  send(message: OutboundMessage): Promise<SentMessage>;
  edit?(messageId: string, message: OutboundMessage): Promise<void>;
  typing?(): Promise<void>;
  sendFile?(file: OutboundFile): Promise<SentMessage>;
}

export interface CommandChoice {
  name: string;
  value: string;
}

export interface CommandArgSpec {
  name: string;
  description: string;
  required?: boolean;
  /** Fixed choices (Discord choices, Telegram buttons). */
  choices?: CommandChoice[];
  /** Values come from {@link ChannelContext.complete} as the user types. */
  autocomplete?: boolean;
}

/** A chat command as platforms register it (Discord slash command, Telegram menu entry). */
export interface CommandSpec {
  /** Matches ^[a-z0-9_]{1,32}$. */
  name: string;
  description: string;
  args: CommandArgSpec[];
}

export interface CompletionRequest {
  command: string;
  arg: string;
  /** What the user typed so far. */
  value: string;
  /** The message context (sender, chat) the completion is for. */
  message: InboundMessage;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * How the core finished with a message: `done` (answered, error reported, ignored, or dropped by
 * the user's /stop), or `abandoned` (cut off by a gateway shutdown before it was answered; a
 * plugin that can replay messages should offer it again after the restart).
 */
export type Settlement = "done" | "abandoned";

export interface DispatchReceipt {
  /** Resolves (never rejects) when the core has finished with the message. */
  settled: Promise<Settlement>;
}

export interface ChannelContext {
  /** This channel's config section (`channels.<id>`), validated by the core's schema. */
  config: Record<string, any>;
  /** Effective environment (process env > <state>/.env > config env > shell import). */
  env: Readonly<Record<string, string | undefined>>;
  /** A directory only this plugin writes (created 0700), for offsets, command hashes etc. */
  stateDir: string;
  /** Aborts when the gateway stops; everything the plugin started must end with it. */
  signal: AbortSignal;
  log: Logger;
  /**
   * Hand a message to the core. Resolves once the message is accepted (queued or answered),
   * not when the agent has finished; `settled` then resolves when the core is done with it
   * (reply delivered, error reported, ignored or dropped), so a plugin can journal messages
   * until they are answered. Replies go to `sink` when given, else to `plugin.send`.
   */
  dispatch(message: InboundMessage, sink?: ReplySink): Promise<DispatchReceipt>;
  /** Commands to register natively (slash commands, menus). */
  commands(): CommandSpec[];
  /** Autocomplete values for a command argument. */
  complete(request: CompletionRequest): Promise<CommandChoice[]>;
  /**
   * Report that this started channel lost its connection for good (e.g. Telegram's 409 because
   * another process polls the same token, a fatal gateway close). The gateway logs it, calls
   * `stop()`, and starts a fresh plugin instance with backoff (1 s doubling to 60 s) while the
   * other channels go on. Never throws; calls after the first are ignored.
   */
  fail(error: unknown): void;
}

export interface ChannelLimits {
  /** Hard platform limit per message, in characters (Telegram 4096, Discord 2000). */
  maxMessageLength: number;
  /** Can edit sent messages (enables streamed replies). */
  canEdit: boolean;
  /** Registers native commands (slash commands or a command menu). */
  nativeCommands: boolean;
  /** Markup the plugin's `send` expects in `OutboundMessage.text`. */
  format: "telegram-html" | "discord-markdown" | "plain";
}

export interface ChannelPlugin {
  id: string;
  limits: ChannelLimits;
  /**
   * Connect and begin delivering messages through `ctx.dispatch`. Resolves once connected;
   * rejects when this attempt cannot connect. One attempt only, bounded in time (say 15 s) and
   * ended early by `ctx.signal`: the gateway retries failed starts in the background with backoff
   * (1 s doubling to 60 s), so a plugin must never retry forever inside `start`.
   */
  start(ctx: ChannelContext): Promise<void>;
  /** Disconnect; also triggered by `ctx.signal`. Must resolve within a few seconds. */
  stop(): Promise<void>;
  send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage>;
  edit?(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void>;
  typing?(target: OutboundTarget): Promise<void>;
  /** Send a text file (see {@link OutboundFile}); absent where the platform takes no files. */
  sendFile?(target: OutboundTarget, file: OutboundFile): Promise<SentMessage>;
}

/** What a plugin module's default export is: a factory, so one process can run several instances. */
export type ChannelPluginFactory = (options: { accountId: string }) => ChannelPlugin;

export { maskSecret } from "./util/mask.js";
