/**
 * The only surface channel plugins import. A plugin adapts one chat platform:
 * it turns platform events into {@link InboundMessage}s, hands them to the core
 * through {@link ChannelContext.dispatch}, and sends what the core gives it.
 *
 * Everything a plugin starts must stop when `ctx.signal` aborts (or `stop()` is called); the
 * simplest way is to start it through {@link ChannelContext.effect}, which the gateway disposes.
 * docs/PLUGINS.md walks through a whole channel.
 *
 * A channel plugin is a directory `plugins/<id>/` with two entry modules: `index.ts`, whose
 * default export is a {@link ChannelPluginFactory}, and `config.ts`, whose default export is a
 * {@link ChannelConfigModule} declaring `channels.<id>` (schema, defaults, help, when to start).
 */

import type * as zod from "zod/mini";
import type { channelFields, configZod } from "./config/channel-kit.js";

export type ChatKind = "dm" | "group" | "channel";

/** A message from a user, normalized across platforms. */
export interface InboundMessage {
  /** Id of the channel plugin that received it (its directory under plugins/, its key under `channels`). */
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
   * Files that came with the message (photos, documents, attachments); `text` is then the
   * caption, possibly empty. The core downloads only what it will use: images of the types
   * models read ({@link IMAGE_LIMITS}), up to the size cap; the sender is told about the rest.
   */
  attachments?: InboundAttachment[];
  /**
   * Set by native commands (Discord slash commands): the option values by arg name.
   * `text` is then just `/<name>` and the core reads the arguments from here.
   */
  commandArgs?: Record<string, string>;
}

/**
 * A file sent with a message, downloaded through the platform's API only when the core asks.
 *
 * @example
 * { kind: "image", mimeType: "image/jpeg", name: "photo.jpg", size: 48_213,
 *   fetch: ({ maxBytes, signal }) => downloadCapped(fileUrl, { maxBytes, signal }) }
 */
export interface InboundAttachment {
  /** "image" for photos and files the platform says are images; "file" for anything else. */
  kind: "image" | "file";
  /** MIME type as the platform gives it (Telegram photos are image/jpeg). */
  mimeType?: string;
  /** File name shown to the sender in notes ("photo.jpg"); a plain description when there is none. */
  name?: string;
  /** Size in bytes as the platform declares it, before any download. */
  size?: number;
  /**
   * The file's bytes, through the platform's API. Rejects with {@link AttachmentTooLargeError}
   * when it is over `maxBytes` (without reading the rest), with an Error when it cannot be had.
   * Errors must not carry the bot token (a Telegram file URL holds it).
   */
  fetch(options: { maxBytes: number; signal?: AbortSignal }): Promise<Uint8Array>;
}

/** Where to send: a chat (and topic/thread) on one channel. */
export interface OutboundTarget {
  chatId: string;
  topicId?: string;
  replyToMessageId?: string;
  /**
   * `chatId` is a user id: deliver a direct message to that user, who may never have written to
   * the bot (owner alerts). A channel whose DM chat id is not the user id opens the DM first
   * (Discord); where a private chat's id is the user's id (Telegram) nothing changes.
   */
  directMessage?: boolean;
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

/** An autocomplete lookup: the values to offer for `arg` of `command` as the user types (a slash-command option). */
export interface AutocompleteRequest {
  command: string;
  arg: string;
  /** What the user typed so far. */
  value: string;
  /** The message context (sender, chat) the completion is for. */
  message: InboundMessage;
}

/**
 * A line logger. `fields` are printed as JSON after the message; Errors among them show as
 * their message. Logging never throws.
 *
 * @example log.warn("could not save the update offset", { error: err.message });
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The logger a channel is given: a {@link Logger} that can mask the channel's own secrets. */
export interface ChannelLogger extends Logger {
  /**
   * A logger that masks these secrets (and their percent-encoded forms, as in a URL) wherever
   * they appear: in the message, in field text, in an Error's message. Values shorter than 6
   * characters are not masked. The core's logger also masks anything that looks like a key or
   * token, but only the plugin knows its exact token.
   *
   * @example
   * const log = ctx.log.withSecrets(ctx.config.botToken);
   * log.warn("getMe failed", { url: `${apiRoot}/bot${token}/getMe` }); // logs ".../bot123456:A…wxyz/getMe"
   */
  withSecrets(...secrets: (string | undefined)[]): ChannelLogger;
}

/** Undoes what an effect set up (closes a server, clears a timer, destroys a client). May be async. */
export type Dispose = () => void | Promise<void>;

/**
 * A channel's own small records, kept by the gateway's state backend (files under
 * `<state>/channels/<id>/` by default, `<key>.json` per key): polling offsets, journals of
 * messages not yet answered, the hash of the command menu last registered.
 *
 * Values are JSON. Each `set` replaces the whole value atomically (a crash leaves the old or
 * the new value, never half of one) and durably; writes of one key land in call order.
 *
 * @example
 * const saved = (await ctx.state.get("offset")) as { lastUpdateId?: number } | undefined;
 * await ctx.state.set("offset", { lastUpdateId: 42 });
 */
export interface ChannelStore {
  /**
   * The stored value, or undefined when none is stored. Rejects with an error naming where the
   * value is when it cannot be read (e.g. not JSON): an unreadable value is never treated as missing.
   */
  get(key: string): Promise<unknown>;
  /** Stores `value` (anything `JSON.stringify` keeps). Keys: letters, digits, `.`, `_`, `-`; at most 64. */
  set(key: string, value: unknown): Promise<void>;
  /** Removes the value; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Moves an unreadable value out of the way, keeping it for a human to look at (the file
   * backend renames it to `<key>.json.corrupt-<ms>`), and says where it went. After it, `get`
   * finds nothing.
   */
  setAside(key: string): Promise<string>;
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
  /**
   * This channel's config section (`channels.<id>`), validated by the plugin's own schema (its
   * config module, {@link ChannelConfigModule}) with its defaults applied; the schema's defaults
   * alone when the section is absent.
   */
  config: Record<string, any>;
  /**
   * Register native commands (slash commands, a command menu)? False when the config turns
   * them off: `commands.native: false`, or the plugin's own section as its config module's
   * `nativeCommands` reads it.
   */
  nativeCommands: boolean;
  /** Effective environment (process env > <state>/.env > config env > shell import). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * A directory only this plugin writes (created 0700), for what does not fit {@link state}
   * (e.g. a platform library's own cache). Prefer `state`: it follows the configured backend.
   */
  stateDir: string;
  /** This channel's small records (offsets, journals, hashes); see {@link ChannelStore}. */
  state: ChannelStore;
  /**
   * Aborts when this start attempt ends: the gateway stops, or the channel is being replaced
   * after `fail`. Pass it to anything that can take a signal.
   */
  signal: AbortSignal;
  /** Logs with this channel's name; `ctx.log.withSecrets(token)` for a logger that masks the token. */
  log: ChannelLogger;
  /**
   * Starts something this attempt owns and registers how to undo it. `setup` runs now; the
   * dispose it returns runs when the attempt ends (after `plugin.stop()`, on `fail`, on gateway
   * stop), newest first, all within one 5 s deadline; a failing dispose is logged, not thrown.
   * Resolves with a function that disposes this one effect early. Rejects when `setup` throws
   * (nothing is registered then).
   *
   * @example
   * const server = await ctx.effect(async () => {
   *   const s = http.createServer(handler).listen(port);
   *   await once(s, "listening");
   *   return () => new Promise<void>((done) => s.close(() => done()));
   * });
   * await ctx.effect(() => {
   *   const timer = setInterval(ping, 30_000);
   *   return () => clearInterval(timer);
   * });
   */
  effect(setup: () => Dispose | Promise<Dispose>): Promise<Dispose>;
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
  complete(request: AutocompleteRequest): Promise<CommandChoice[]>;
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
  format: "html" | "chat-markdown" | "plain";
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

/**
 * The part of zod/mini a config module builds its schema with (`z.strictObject`, `z.optional`,
 * `z._default`, `z.string`, ...): the core's own copy, so validation errors, "did you mean" and
 * `baton config schema` work on plugin schemas as on the core's.
 */
export type ConfigZod = typeof configZod;

/**
 * Ready-made fields every chat channel shares (`enabled`, `allowFrom`, `dmPolicy`, the group
 * policy, `requireMention`, id lists), with the core's defaults and help text.
 */
export type ChannelConfigFields = typeof channelFields;

/** The validated section a schema produces (defaults applied). */
export type SectionOf<Schema extends zod.ZodMiniType> = zod.output<Schema>;

/**
 * How the core's access policy (docs/CONFIG.md, "Access") finds a channel's groups: the section keys of the
 * group policy and of the map of listed groups, and which message field a listed group is
 * keyed by. A channel whose groups are its chats needs none of these.
 */
export interface ChannelAccessKeys {
  /** Key of the map of listed groups. Default `"groups"`. */
  groupsKey?: string;
  /** Key of the group policy (`"allowlist"` | `"open"` | `"disabled"`). Default `"groupPolicy"`. */
  groupPolicyKey?: string;
  /**
   * The message field the entries under `groupsKey` are keyed by. Default `"chatId"`; a
   * platform whose chats live inside servers lists the servers (`"guildId"`), and an entry
   * may then narrow itself to some chats with `channels: [chatId, ...]`.
   */
  groupIdFrom?: "chatId" | "guildId";
}

/** What {@link ChannelSetup.check} found: the bot account the token belongs to, or why it is refused. */
export type ChannelSetupCheck =
  | {
      ok: true;
      /** The bot account, for the user to recognise, e.g. "@baton_bot (id 7000000001)". */
      account: string;
      /** Lines to show after a good token, e.g. an invite link. */
      notes?: string[];
    }
  | { ok: false; problem: string };

/**
 * How `baton onboard` sets the channel up: the token (checked against the platform, stored in
 * `<state>/.env` under `tokenEnv`, never in the config) and the owners (`allowFrom`). Part of the
 * config module, so it imports nothing: `check` gets the core's `fetch`.
 *
 * @example
 * setup: {
 *   label: "Echo",
 *   tokenEnv: "ECHO_TOKEN",
 *   tokenKey: "token",
 *   tokenHelp: "Create a bot at echo.example/bots and paste its token.",
 *   ownerHelp: "Your numeric Echo user id (send /whoami to the bot).",
 *   ownerId: /^\d+$/,
 *   check: async (token, apiRoot, fetch) => {
 *     const res = await fetch(`${apiRoot ?? "https://api.echo.example"}/me`, { headers: { authorization: token } });
 *     return res.ok ? { ok: true, account: (await res.json()).name } : { ok: false, problem: `refused (HTTP ${res.status})` };
 *   },
 * }
 */
export interface ChannelSetup {
  /** The platform's name, e.g. "Telegram". */
  label: string;
  /** The environment variable the token is written to in `<state>/.env` (one of `envKeys`). */
  tokenEnv: string;
  /** The section key that may hold the token instead (it wins over `tokenEnv` when set). */
  tokenKey: string;
  /** Where a token comes from, one or two lines. */
  tokenHelp: string;
  /** What an owner id is and how to find one. */
  ownerHelp: string;
  /** What an owner id looks like. */
  ownerId: RegExp;
  /**
   * Asks the platform who `token` belongs to. `apiRoot` is the section's `apiRoot` (undefined:
   * the platform's own). `fetch` times out on its own; a thrown error is reported as unreachable.
   */
  check(token: string, apiRoot: string | undefined, fetch: typeof globalThis.fetch): Promise<ChannelSetupCheck>;
}

/**
 * What a channel's config module declares: everything the core needs to know about
 * `channels.<id>` without loading the channel (or its platform library).
 */
export interface ChannelConfigDeclaration<Schema extends zod.ZodMiniType = zod.ZodMiniType> {
  /**
   * The schema of `channels.<id>`, built with the `z` the module is given. Its defaults fill in
   * the section the plugin receives as `ctx.config`. Use `z.strictObject` so a misspelled key is
   * reported with its line and a "did you mean".
   */
  schema: Schema;
  /** One line saying what the channel is, shown by `baton config schema` and in hints. */
  help: string;
  /**
   * Should `baton gateway` start this channel? `section` is the validated `channels.<id>`, or
   * undefined when the config has none (a channel may still start from a token in the
   * environment). Default: the section is present and its `enabled` is not false.
   */
  shouldStart?(section: SectionOf<Schema> | undefined, env: Readonly<Record<string, string | undefined>>): boolean;
  /** Environment variables this channel reads (its tokens): imported from the login shell too. */
  envKeys?: readonly string[];
  /**
   * The terminal of whoever runs Baton: always served and privileged, never warned about, and
   * started by `baton gateway` only when no other channel starts.
   */
  local?: boolean;
  /** Where the access policy finds this channel's groups; see {@link ChannelAccessKeys}. */
  access?: ChannelAccessKeys;
  /**
   * Does this section allow native commands (slash commands, a command menu)? Combined with the
   * global `commands.native` into {@link ChannelContext.nativeCommands}. Default: yes.
   */
  nativeCommands?(section: SectionOf<Schema>): boolean;
  /**
   * What one connection of this channel is, when several gateways share a state backend
   * (DESIGN.md §13): gateways whose identities are equal hold one lease, so only one of them
   * connects (one poller per bot token, one holder per shard group). May contain a secret: the
   * core stores only a hash of it. Default: the channel id (one connection per channel).
   */
  connectionIdentity?(section: SectionOf<Schema>, env: Readonly<Record<string, string | undefined>>): string;
  /** How `baton onboard` sets this channel up (token and owners); without it the wizard leaves the channel to the config file. */
  setup?: ChannelSetup;
}

/**
 * The default export of `plugins/<id>/config.ts`: a function of the core's zod and the shared
 * fields, returning the channel's declaration. The module imports nothing at run time (types
 * from this file only), so `baton config validate` reads it without loading the channel.
 *
 * @example
 * import type { ChannelConfigDeclaration, ChannelConfigModule } from "../../src/plugin-api.js";
 *
 * export default ((z, fields) => {
 *   const schema = z.strictObject({
 *     enabled: fields.enabled(),
 *     token: z.optional(z.string()),
 *     allowFrom: fields.allowFrom(),
 *     dmPolicy: fields.dmPolicy(),
 *   });
 *   return {
 *     schema,
 *     help: "Echo chat (example)",
 *     envKeys: ["ECHO_TOKEN"],
 *     shouldStart: (section, env) => (section ? section.enabled : Boolean(env.ECHO_TOKEN)),
 *   } satisfies ChannelConfigDeclaration<typeof schema>;
 * }) satisfies ChannelConfigModule;
 */
export type ChannelConfigModule = (z: ConfigZod, fields: ChannelConfigFields) => ChannelConfigDeclaration<any>;

/**
 * A secret for display: its first 8 and last 4 characters (`sk-ant-a…wxyz`), less for short ones.
 *
 * @example maskSecret("123456789:AAExampleExampleExampleExample") // "12345678…mple"
 */
export { maskSecret } from "./util/mask.js";

/**
 * `text` with each given secret (and its percent-encoded form) masked. For text that leaves the
 * plugin other than through the logger, e.g. the message of an error thrown to the core.
 *
 * @example throw new Error(`could not connect: ${redact(reason, [token])}`);
 */
export { redactKnown as redact } from "./util/redact.js";

/**
 * A logger that masks the given secrets; `ctx.log.withSecrets(...)` is the usual way to get one.
 * For test harnesses that build a {@link ChannelContext} themselves.
 *
 * @example const ctx = { ..., log: maskingLogger(recordingLogger) };
 */
export { maskingLogger } from "./util/masking-logger.js";

/**
 * A set of at most `capacity` values that forgets the oldest first: "recently seen" ids.
 *
 * @example
 * const recent = new BoundedSet<string>(4096);
 * if (!recent.addNew(event.id)) return; // a replayed event
 */
export { BoundedSet } from "./util/bounded-set.js";

/**
 * `withTimeout(promise, ms, { signal, message })`: the promise, or a {@link TimeoutError} after
 * `ms` (the timer is always cleared). `settledWithin(promise, ms)`: waits for the promise to
 * settle or `ms` to pass, never rejects, and says which.
 *
 * @example
 * const choices = await withTimeout(ctx.complete(request), 2500).catch(() => []);
 * @example
 * if (!(await settledWithin(handlers, 5000))) log.warn("handlers still running");
 */
export { settledWithin, TimeoutError, withTimeout } from "./util/timeout.js";

/**
 * Downloads for {@link InboundAttachment.fetch}: `downloadCapped(url, { maxBytes, signal })` GETs a
 * URL and reads at most `maxBytes` (`readCapped(response, maxBytes)` for a response in hand),
 * rejecting with `AttachmentTooLargeError` past it.
 *
 * @example fetch: ({ maxBytes, signal }) => downloadCapped(attachment.url, { maxBytes, signal })
 */
export { AttachmentTooLargeError, downloadCapped, readCapped } from "./util/download.js";

/**
 * What the core sends a model of the images users send: at most `maxBytes` each (Anthropic's
 * per-image limit, 5 MB) of the `mimeTypes` providers read. A plugin that can pick among sizes
 * (Telegram's photo sizes) picks the largest within `maxBytes`.
 */
export { IMAGE_LIMITS } from "./chat/attachments.js";
