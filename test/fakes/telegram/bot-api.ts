/**
 * The Bot API as the fake serves it: chats, messages, the update queue with long
 * polling, webhooks, commands, callback queries and flood control. No HTTP here:
 * `call(method, params, signal)` returns the result or throws {@link ApiError},
 * which the server turns into Telegram's `{ok:false,error_code,description}`.
 */
import { EventEmitter } from "node:events";
import { FloodControl, type FloodLimits } from "./flood-control.js";
import { HtmlParseError, parseTelegramHtml, type TelegramEntity } from "./html.js";
import { UploadedFile, type Params } from "./request-params.js";
import type {
  ApiCallRecord, BotCommand, CallbackAnswerRecord, ChatActionRecord, DocumentRecord, FakeCallbackQuery, FakeChat, FakeMessage,
  FakeUpdate, FakeUser, InlineKeyboardMarkup, SentRecord, WebhookState,
} from "./types.js";

export const MAX_MESSAGE_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;
/** Telegram's download limit for bots (getFile). */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
/** Telegram's upload limit for bots. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number },
  ) {
    super(description);
  }
}

export interface MethodReply {
  result: unknown;
  /** Telegram adds one to a few answers, e.g. "Webhook was set". */
  description?: string;
}

const badRequest = (what: string) => new ApiError(400, `Bad Request: ${what}`);

const CHAT_ACTIONS = new Set([
  "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
  "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
]);

const UPDATE_TYPES_BY_DEFAULT_EXCLUDED = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

const nowSeconds = () => Math.floor(Date.now() / 1000);

function updateType(update: FakeUpdate): string {
  return Object.keys(update).find((k) => k !== "update_id") ?? "";
}

/** A shallow copy fit for embedding as `reply_to_message` (Telegram nests only one level). */
function embedded(message: FakeMessage): FakeMessage {
  const { reply_to_message: _nested, ...rest } = message;
  return rest;
}

interface ActivePoll {
  conflict(): void;
}

export class FakeBotApi {
  readonly events = new EventEmitter();
  readonly bot: FakeUser;
  readonly sent: SentRecord[] = [];
  readonly chatActions: ChatActionRecord[] = [];
  readonly callbackAnswers: CallbackAnswerRecord[] = [];
  readonly documents: DocumentRecord[] = [];
  readonly calls: ApiCallRecord[] = [];
  count429 = 0;
  webhook: WebhookState | null = null;

  private readonly chats = new Map<number, FakeChat>();
  private readonly messages = new Map<number, Map<number, FakeMessage>>();
  private readonly lastMessageId = new Map<number, number>();
  private readonly topics = new Map<number, Set<number>>();
  private readonly commandLists = new Map<string, BotCommand[]>();
  private readonly openCallbackQueries = new Set<string>();
  private readonly injectedFailures = new Map<string, ApiError[]>();
  /** Files users sent, by file_id: what getFile describes and `/file/bot<token>/<path>` serves. */
  private readonly files = new Map<string, { content: Buffer; path: string; uniqueId: string }>();
  private readonly filesByPath = new Map<string, Buffer>();
  private nextFileNumber = 1;
  private queue: FakeUpdate[] = [];
  private nextUpdateId = 100_000;
  private nextCallbackId = 1;
  private allowedUpdates: string[] = [];
  private activePoll?: ActivePoll;
  private flood: FloodControl;

  constructor(bot: FakeUser, limits: FloodLimits) {
    this.bot = bot;
    this.flood = new FloodControl(limits);
    this.events.setMaxListeners(0);
  }

  get floodLimits(): FloodLimits {
    return this.flood.limits;
  }

  /** Replaces the flood-control limits (fresh buckets). */
  setFloodLimits(limits: FloodLimits): void {
    this.flood = new FloodControl(limits);
  }

  /** Updates waiting to be fetched (or delivered to the webhook). */
  get pendingUpdates(): readonly FakeUpdate[] {
    return this.queue;
  }

  /** Command list for a scope (default scope, no language when omitted). */
  commandsFor(scope: Record<string, unknown> = { type: "default" }, languageCode = ""): BotCommand[] | undefined {
    return this.commandLists.get(commandKey(scope, languageCode));
  }

  /** Makes the next `times` calls to `method` fail with the given error before doing anything. */
  failNext(method: string, error: ApiError, times = 1): void {
    const list = this.injectedFailures.get(method.toLowerCase()) ?? [];
    for (let n = 0; n < times; n++) list.push(error);
    this.injectedFailures.set(method.toLowerCase(), list);
  }

  /** Forgets failures set up with {@link failNext} that have not happened yet. */
  clearFailures(): void {
    this.injectedFailures.clear();
  }

  /** Whether a getUpdates long poll is waiting for updates. */
  get pollWaiting(): boolean {
    return this.activePoll !== undefined;
  }

  // ---- test-side actions -------------------------------------------------------------

  addChat(chat: FakeChat): FakeChat {
    const existing = this.chats.get(chat.id);
    const merged = { ...existing, ...chat };
    this.chats.set(chat.id, merged);
    return merged;
  }

  chat(id: number): FakeChat | undefined {
    return this.chats.get(id);
  }

  message(chatId: number, messageId: number): FakeMessage | undefined {
    return this.messages.get(chatId)?.get(messageId);
  }

  /** Stores a message from a user (creating the forum topic when needed) and queues its update. */
  addUserMessage(input: {
    chat: FakeChat;
    from: FakeUser;
    text?: string;
    caption?: string;
    entities?: TelegramEntity[];
    message_thread_id?: number;
    reply_to_message?: number | FakeMessage;
    extra?: Record<string, unknown>;
  }): FakeUpdate {
    const chat = this.addChat(input.chat);
    const message: FakeMessage = { message_id: 0, from: input.from, chat, date: nowSeconds(), ...input.extra };
    if (input.message_thread_id !== undefined) {
      message.message_thread_id = input.message_thread_id;
      if (chat.is_forum) {
        message.is_topic_message = true;
        message.reply_to_message = embedded(this.ensureTopic(chat, input.message_thread_id, input.from));
      }
    }
    if (input.reply_to_message !== undefined) {
      const target =
        typeof input.reply_to_message === "number" ? this.message(chat.id, input.reply_to_message) : input.reply_to_message;
      if (!target) throw new Error(`fake telegram: no message ${String(input.reply_to_message)} in chat ${chat.id}`);
      message.reply_to_message = embedded(target);
    }
    if (input.text !== undefined) {
      message.text = input.text;
      message.entities = input.entities ?? detectEntities(input.text);
      if (message.entities.length === 0) delete message.entities;
    }
    if (input.caption !== undefined) {
      message.caption = input.caption;
      const entities = input.entities ?? detectEntities(input.caption);
      if (entities.length > 0) message.caption_entities = entities;
    }
    this.store(message);
    return this.enqueue({ message });
  }

  /** Queues a callback query for a button on one of the bot's messages. */
  addCallbackQuery(input: { from: FakeUser; chatId: number; messageId: number; data: string }): FakeUpdate {
    const message = this.message(input.chatId, input.messageId);
    if (!message) throw new Error(`fake telegram: no message ${input.messageId} in chat ${input.chatId}`);
    const buttons = message.reply_markup?.inline_keyboard.flat() ?? [];
    if (!buttons.some((b) => b.callback_data === input.data)) {
      throw new Error(`fake telegram: message ${input.messageId} has no button with callback_data ${JSON.stringify(input.data)}`);
    }
    const id = `${this.bot.id}${String(this.nextCallbackId++).padStart(6, "0")}`;
    this.openCallbackQueries.add(id);
    const query: FakeCallbackQuery = {
      id,
      from: input.from,
      message,
      chat_instance: String(Math.abs(input.chatId) * 7 + 3),
      data: input.data,
    };
    return this.enqueue({ callback_query: query });
  }

  /** Queues any update (e.g. a photo without caption, a message from another bot). */
  enqueue(body: Omit<FakeUpdate, "update_id">): FakeUpdate {
    const update = { update_id: this.nextUpdateId++, ...body } as FakeUpdate;
    this.queue.push(update);
    this.events.emit("update", update);
    this.events.emit("change");
    return update;
  }

  /** Removes an update from the queue once a webhook accepted it. */
  acknowledge(updateId: number): void {
    this.queue = this.queue.filter((u) => u.update_id !== updateId);
  }

  /**
   * Stores a file as if a user had uploaded it; `getFile` then gives its path and the file route
   * serves its bytes. `extension` names the path ("photos/file_1.jpg").
   */
  addFile(content: Buffer, extension = "jpg"): { file_id: string; file_unique_id: string; file_size: number } {
    const n = this.nextFileNumber++;
    const fileId = `AgACAgIAAxkBAAI${String(n).padStart(6, "0")}fake`;
    const path = `${extension === "jpg" ? "photos" : "documents"}/file_${n}.${extension}`;
    const uniqueId = `AQAD${n}`;
    this.files.set(fileId, { content, path, uniqueId });
    this.filesByPath.set(path, content);
    return { file_id: fileId, file_unique_id: uniqueId, file_size: content.length };
  }

  /** The bytes at a file path getFile gave, as `/file/bot<token>/<path>` serves them. */
  fileAt(path: string): Buffer | undefined {
    return this.filesByPath.get(path);
  }

  // ---- the API -----------------------------------------------------------------------

  /** Records a call the server answered itself (a raw answer set up by a test) instead of through {@link call}. */
  recordAnsweredCall(method: string, params: Params, status: number): void {
    this.calls.push({ method, params, at: Date.now(), ...(status >= 400 ? { errorCode: status } : {}) });
    this.events.emit("change");
  }

  async call(method: string, params: Params, signal: AbortSignal): Promise<MethodReply> {
    const record: ApiCallRecord = { method, params, at: Date.now() };
    this.calls.push(record);
    this.events.emit("change");
    try {
      const injected = this.injectedFailures.get(method.toLowerCase())?.shift();
      if (injected) throw injected;
      const handler = this.handlers[method.toLowerCase()];
      if (!handler) throw new ApiError(404, "Not Found");
      return await handler(params, signal);
    } catch (err) {
      if (err instanceof ApiError) {
        record.errorCode = err.code;
        if (err.code === 429) this.count429++;
      }
      throw err;
    } finally {
      this.events.emit("change");
    }
  }

  private readonly handlers: Record<string, (p: Params, signal: AbortSignal) => MethodReply | Promise<MethodReply>> = {
    getme: () => ({ result: { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } }),
    getupdates: (p, signal) => this.getUpdates(p, signal),
    sendmessage: (p) => ({ result: this.sendMessage(p) }),
    senddocument: (p) => ({ result: this.sendDocument(p) }),
    editmessagetext: (p) => ({ result: this.editMessageText(p) }),
    getfile: (p) => ({ result: this.getFile(p) }),
    sendchataction: (p) => ({ result: this.sendChatAction(p) }),
    answercallbackquery: (p) => ({ result: this.answerCallbackQuery(p) }),
    setmycommands: (p) => ({ result: this.setMyCommands(p) }),
    getmycommands: (p) => ({ result: this.commandsFor(scopeOf(p), languageOf(p)) ?? [] }),
    deletemycommands: (p) => {
      this.commandLists.delete(commandKey(scopeOf(p), languageOf(p)));
      return { result: true };
    },
    setwebhook: (p) => this.setWebhook(p),
    deletewebhook: (p) => this.deleteWebhook(p),
    getwebhookinfo: () => ({ result: this.webhookInfo() }),
  };

  private async getUpdates(p: Params, signal: AbortSignal): Promise<MethodReply> {
    if (this.webhook) {
      throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    this.activePoll?.conflict();
    this.activePoll = undefined;
    const offset = optionalInt(p.offset, "offset") ?? 0;
    const limit = Math.min(100, Math.max(1, optionalInt(p.limit, "limit") ?? 100));
    const timeoutSeconds = Math.max(0, optionalInt(p.timeout, "timeout") ?? 0);
    if (Array.isArray(p.allowed_updates)) this.allowedUpdates = p.allowed_updates.map(String);

    if (offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.queue = this.queue.slice(offset);

    const ready = this.takeDeliverable(limit);
    if (ready.length > 0 || timeoutSeconds === 0) return { result: ready };

    return await new Promise<MethodReply>((resolve, reject) => {
      const finish = (reply: MethodReply | ApiError) => {
        clearTimeout(timer);
        this.events.off("update", onUpdate);
        signal.removeEventListener("abort", onAbort);
        if (this.activePoll === poll) this.activePoll = undefined;
        if (reply instanceof ApiError) reject(reply);
        else resolve(reply);
      };
      const onUpdate = () => {
        if (this.webhook) return finish({ result: [] });
        const batch = this.takeDeliverable(limit);
        if (batch.length > 0) finish({ result: batch });
      };
      const onAbort = () => finish({ result: [] });
      const poll: ActivePoll = {
        conflict: () =>
          finish(new ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")),
      };
      const timer = setTimeout(() => finish({ result: [] }), timeoutSeconds * 1000);
      this.activePoll = poll;
      this.events.on("update", onUpdate);
      signal.addEventListener("abort", onAbort, { once: true });
      this.events.emit("change"); // pollWaiting, and the queue as this call's offset left it
    });
  }

  /** Updates the bot asked for, oldest first; other types are dropped as Telegram never creates them. */
  private takeDeliverable(limit: number): FakeUpdate[] {
    const wanted = (u: FakeUpdate) => {
      const type = updateType(u);
      return this.allowedUpdates.length > 0 ? this.allowedUpdates.includes(type) : !UPDATE_TYPES_BY_DEFAULT_EXCLUDED.has(type);
    };
    this.queue = this.queue.filter(wanted);
    return this.queue.slice(0, limit);
  }

  private sendMessage(p: Params): FakeMessage {
    const chat = this.requireChat(p.chat_id);
    const { text, entities } = this.parseText(p, MAX_MESSAGE_LENGTH);
    const threadId = optionalInt(p.message_thread_id, "message_thread_id");
    if (threadId !== undefined && chat.is_forum && !this.topics.get(chat.id)?.has(threadId)) {
      throw badRequest("message thread not found");
    }
    const replyMarkup = validateReplyMarkup(p.reply_markup);
    const replyTo = this.resolveReply(chat, p);
    this.checkFlood(chat);

    const message: FakeMessage = { message_id: 0, from: this.bot, chat, date: nowSeconds(), text };
    if (entities.length > 0) message.entities = entities;
    if (threadId !== undefined) {
      message.message_thread_id = threadId;
      if (chat.is_forum) message.is_topic_message = true;
    }
    const replyTarget = replyTo ?? (chat.is_forum && threadId !== undefined ? this.message(chat.id, threadId) : undefined);
    if (replyTarget) message.reply_to_message = embedded(replyTarget);
    if (replyMarkup) message.reply_markup = replyMarkup;
    this.store(message);
    this.record({
      method: "sendMessage",
      chat_id: chat.id,
      message_id: message.message_id,
      message_thread_id: threadId,
      text: String(p.text),
      parse_mode: typeof p.parse_mode === "string" ? p.parse_mode : undefined,
      plain_text: text,
      entities,
      reply_markup: replyMarkup,
      reply_to_message_id: replyTo?.message_id,
      at: Date.now(),
    });
    return message;
  }

  /** A document uploaded with the request (multipart, `attach://<part>` or the part itself); file ids and URLs are not modelled. */
  private sendDocument(p: Params): FakeMessage {
    const chat = this.requireChat(p.chat_id);
    const reference = p.document;
    const upload =
      reference instanceof UploadedFile
        ? reference
        : typeof reference === "string" && reference.startsWith("attach://")
          ? p[reference.slice("attach://".length)]
          : undefined;
    if (reference === undefined) throw badRequest("there is no document in the request");
    if (!(upload instanceof UploadedFile)) throw badRequest("wrong file identifier/HTTP URL specified");
    if (upload.content.length === 0) throw badRequest("file must be non-empty");
    if (upload.content.length > MAX_UPLOAD_BYTES) throw new ApiError(413, "Request Entity Too Large");
    const caption = typeof p.caption === "string" ? p.caption.trim() : undefined;
    if (caption !== undefined && caption.length > MAX_CAPTION_LENGTH) throw badRequest("message caption is too long");
    const threadId = optionalInt(p.message_thread_id, "message_thread_id");
    if (threadId !== undefined && chat.is_forum && !this.topics.get(chat.id)?.has(threadId)) {
      throw badRequest("message thread not found");
    }
    const replyTo = this.resolveReply(chat, p);
    this.checkFlood(chat);

    const fileName = upload.filename || "document";
    const message: FakeMessage = {
      message_id: 0,
      from: this.bot,
      chat,
      date: nowSeconds(),
      document: {
        file_id: `doc-${this.documents.length + 1}`,
        file_unique_id: `u-doc-${this.documents.length + 1}`,
        file_name: fileName,
        mime_type: upload.contentType ?? "application/octet-stream",
        file_size: upload.content.length,
      },
      ...(caption ? { caption } : {}),
    };
    if (threadId !== undefined) {
      message.message_thread_id = threadId;
      if (chat.is_forum) message.is_topic_message = true;
    }
    if (replyTo) message.reply_to_message = embedded(replyTo);
    this.store(message);
    this.documents.push({
      chat_id: chat.id,
      message_id: message.message_id,
      message_thread_id: threadId,
      file_name: fileName,
      content: upload.content,
      caption: caption || undefined,
      reply_to_message_id: replyTo?.message_id,
      at: Date.now(),
    });
    return message;
  }

  private editMessageText(p: Params): FakeMessage {
    if (p.inline_message_id !== undefined) throw badRequest("inline messages are not supported by the fake");
    const chat = this.requireChat(p.chat_id);
    const messageId = optionalInt(p.message_id, "message_id");
    const message = messageId === undefined ? undefined : this.message(chat.id, messageId);
    if (!message) throw badRequest("message to edit not found");
    if (message.from?.id !== this.bot.id || message.text === undefined) throw badRequest("message can't be edited");
    const { text, entities } = this.parseText(p, MAX_MESSAGE_LENGTH);
    const replyMarkup = validateReplyMarkup(p.reply_markup);
    const same =
      text === message.text &&
      JSON.stringify(entities) === JSON.stringify(message.entities ?? []) &&
      JSON.stringify(replyMarkup) === JSON.stringify(message.reply_markup);
    if (same) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    this.checkFlood(chat);
    message.text = text;
    if (entities.length > 0) message.entities = entities;
    else delete message.entities;
    if (replyMarkup) message.reply_markup = replyMarkup;
    else delete message.reply_markup;
    message.edit_date = nowSeconds();
    this.record({
      method: "editMessageText",
      chat_id: chat.id,
      message_id: message.message_id,
      message_thread_id: message.message_thread_id,
      text: String(p.text),
      parse_mode: typeof p.parse_mode === "string" ? p.parse_mode : undefined,
      plain_text: text,
      entities,
      reply_markup: replyMarkup,
      at: Date.now(),
    });
    return message;
  }

  /** Bots may download files of up to 20 MB; bigger ones are described without a path. */
  private getFile(p: Params): Record<string, unknown> {
    if (typeof p.file_id !== "string" || p.file_id === "") throw badRequest("file_id not specified");
    const file = this.files.get(p.file_id);
    if (!file) throw badRequest("invalid file_id");
    if (file.content.length > MAX_DOWNLOAD_BYTES) throw badRequest("file is too big");
    return { file_id: p.file_id, file_unique_id: file.uniqueId, file_size: file.content.length, file_path: file.path };
  }

  private sendChatAction(p: Params): true {
    const chat = this.requireChat(p.chat_id);
    if (typeof p.action !== "string" || !CHAT_ACTIONS.has(p.action)) throw badRequest("wrong parameter action in request");
    this.chatActions.push({
      chat_id: chat.id,
      action: p.action,
      message_thread_id: optionalInt(p.message_thread_id, "message_thread_id"),
      at: Date.now(),
    });
    return true;
  }

  private answerCallbackQuery(p: Params): true {
    const id = String(p.callback_query_id ?? "");
    if (!this.openCallbackQueries.delete(id)) {
      throw badRequest("query is too old and response timeout expired or query ID is invalid");
    }
    if (typeof p.text === "string" && p.text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
    this.callbackAnswers.push({
      callback_query_id: id,
      text: typeof p.text === "string" ? p.text : undefined,
      show_alert: p.show_alert === true ? true : undefined,
      url: typeof p.url === "string" ? p.url : undefined,
    });
    return true;
  }

  private setMyCommands(p: Params): true {
    if (!Array.isArray(p.commands)) throw badRequest("parameter \"commands\" is required");
    if (p.commands.length > 100) throw badRequest("BOT_COMMANDS_TOO_MUCH");
    const commands: BotCommand[] = p.commands.map((c: unknown) => {
      const { command, description } = (c ?? {}) as Record<string, unknown>;
      if (typeof command !== "string" || !/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
      if (typeof description !== "string" || description.length < 1 || description.length > 256) {
        throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
      }
      return { command, description };
    });
    this.commandLists.set(commandKey(scopeOf(p), languageOf(p)), commands);
    return true;
  }

  private setWebhook(p: Params): MethodReply {
    const url = typeof p.url === "string" ? p.url : "";
    if (url === "") return this.deleteWebhook(p);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest("bad webhook: invalid URL");
    }
    // Telegram demands HTTPS; the fake also accepts plain HTTP so tests can listen on loopback.
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
    }
    const secret = p.secret_token;
    if (secret !== undefined && (typeof secret !== "string" || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))) {
      throw badRequest("secret token contains unallowed characters");
    }
    if (p.drop_pending_updates === true) this.queue = [];
    this.webhook = {
      url,
      secretToken: secret,
      allowedUpdates: Array.isArray(p.allowed_updates) ? p.allowed_updates.map(String) : this.webhook?.allowedUpdates,
      maxConnections: optionalInt(p.max_connections, "max_connections"),
    };
    if (this.webhook.allowedUpdates) this.allowedUpdates = this.webhook.allowedUpdates;
    this.events.emit("update"); // wakes a pending long poll so it ends
    return { result: true, description: "Webhook was set" };
  }

  private deleteWebhook(p: Params): MethodReply {
    if (p.drop_pending_updates === true) this.queue = [];
    const had = this.webhook !== null;
    this.webhook = null;
    return { result: true, description: had ? "Webhook was deleted" : "Webhook is already deleted" };
  }

  private webhookInfo(): Record<string, unknown> {
    return {
      url: this.webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.queue.length,
      ...(this.webhook?.maxConnections ? { max_connections: this.webhook.maxConnections } : {}),
      ...(this.webhook?.allowedUpdates ? { allowed_updates: this.webhook.allowedUpdates } : {}),
    };
  }

  // ---- helpers -----------------------------------------------------------------------

  private requireChat(chatId: unknown): FakeChat {
    let chat: FakeChat | undefined;
    if (typeof chatId === "number") chat = this.chats.get(chatId);
    else if (typeof chatId === "string" && /^-?\d+$/.test(chatId)) chat = this.chats.get(Number(chatId));
    else if (typeof chatId === "string" && chatId.startsWith("@")) {
      chat = [...this.chats.values()].find((c) => c.username?.toLowerCase() === chatId.slice(1).toLowerCase());
    } else if (chatId === undefined) {
      throw badRequest("chat_id is empty");
    }
    if (!chat) throw badRequest("chat not found");
    return chat;
  }

  private parseText(p: Params, maxLength: number): { text: string; entities: TelegramEntity[] } {
    if (typeof p.text !== "string" || p.text.trim() === "") throw badRequest("message text is empty");
    const mode = typeof p.parse_mode === "string" ? p.parse_mode.toLowerCase() : "";
    let parsed: { text: string; entities: TelegramEntity[] };
    if (mode === "html") {
      try {
        parsed = parseTelegramHtml(p.text);
      } catch (err) {
        if (err instanceof HtmlParseError) throw badRequest(`can't parse entities: ${err.message}`);
        throw err;
      }
      if (parsed.text === "") throw badRequest("text must be non-empty");
    } else if (mode === "" || mode === "markdown" || mode === "markdownv2") {
      // Markdown is accepted as-is; the fake validates only HTML.
      parsed = { text: p.text.trim(), entities: Array.isArray(p.entities) ? (p.entities as TelegramEntity[]) : [] };
    } else {
      throw badRequest("unsupported parse_mode");
    }
    if (parsed.text.length > maxLength) throw badRequest("message is too long");
    return parsed;
  }

  private resolveReply(chat: FakeChat, p: Params): FakeMessage | undefined {
    const params = (p.reply_parameters ?? {}) as Record<string, unknown>;
    const id = optionalInt(params.message_id ?? p.reply_to_message_id, "reply_parameters.message_id");
    if (id === undefined) return undefined;
    const target = this.message(chat.id, id);
    const allowWithout = params.allow_sending_without_reply === true || p.allow_sending_without_reply === true;
    if (!target && !allowWithout) throw badRequest("message to be replied not found");
    return target;
  }

  private checkFlood(chat: FakeChat): void {
    const verdict = this.flood.tryConsume(chat.id, chat.type !== "private", Date.now());
    if (!verdict.allowed) {
      throw new ApiError(429, `Too Many Requests: retry after ${verdict.retryAfterSeconds}`, {
        retry_after: verdict.retryAfterSeconds,
      });
    }
  }

  private ensureTopic(chat: FakeChat, threadId: number, creator: FakeUser): FakeMessage {
    const existing = this.message(chat.id, threadId);
    if (existing) {
      if (!this.topics.get(chat.id)?.has(threadId)) throw new Error(`fake telegram: message ${threadId} is not a topic`);
      return existing;
    }
    const root: FakeMessage = {
      message_id: threadId,
      from: creator,
      chat,
      date: nowSeconds(),
      message_thread_id: threadId,
      forum_topic_created: { name: `Topic ${threadId}`, icon_color: 7322096 },
    };
    this.store(root);
    const topics = this.topics.get(chat.id) ?? new Set<number>();
    topics.add(threadId);
    this.topics.set(chat.id, topics);
    return root;
  }

  /** Gives the message the chat's next id (unless it already has one) and keeps it. */
  private store(message: FakeMessage): void {
    const chatId = message.chat.id;
    const last = this.lastMessageId.get(chatId) ?? 0;
    if (message.message_id === 0) message.message_id = last + 1;
    this.lastMessageId.set(chatId, Math.max(last, message.message_id));
    const inChat = this.messages.get(chatId) ?? new Map<number, FakeMessage>();
    inChat.set(message.message_id, message);
    this.messages.set(chatId, inChat);
  }

  private record(entry: SentRecord): void {
    this.sent.push(entry);
  }
}

function optionalInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) throw badRequest(`invalid ${name} specified`);
  return n;
}

function scopeOf(p: Params): Record<string, unknown> {
  return (p.scope as Record<string, unknown> | undefined) ?? { type: "default" };
}

function languageOf(p: Params): string {
  return typeof p.language_code === "string" ? p.language_code : "";
}

function commandKey(scope: Record<string, unknown>, languageCode: string): string {
  return JSON.stringify([scope.type ?? "default", scope.chat_id ?? null, scope.user_id ?? null, languageCode]);
}

function validateReplyMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
  if (markup === undefined || markup === null) return undefined;
  if (typeof markup !== "object") throw badRequest("can't parse reply keyboard markup JSON object");
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return undefined; // reply keyboards are accepted but not modelled
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
    throw badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array of Arrays");
  }
  for (const row of rows as unknown[][]) {
    for (const button of row) {
      const b = (button ?? {}) as Record<string, unknown>;
      if (typeof b.text !== "string" || b.text === "") throw badRequest("can't parse inline keyboard button: Text must be non-empty");
      if (b.callback_data === undefined && b.url === undefined) {
        throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      }
      if (b.callback_data !== undefined) {
        const size = typeof b.callback_data === "string" ? Buffer.byteLength(b.callback_data) : 0;
        if (size < 1 || size > 64) throw badRequest("BUTTON_DATA_INVALID");
      }
    }
  }
  return { inline_keyboard: rows as InlineKeyboardMarkup["inline_keyboard"] };
}

/** Entities Telegram clients attach to typed text: /commands and @mentions. */
export function detectEntities(text: string): TelegramEntity[] {
  const entities: TelegramEntity[] = [];
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?![\w@])/g)) {
    entities.push({ type: "bot_command", offset: (m.index ?? 0) + m[1].length, length: m[2].length });
  }
  for (const m of text.matchAll(/(^|[^\w/@])(@[A-Za-z0-9_]{4,32})(?!\w)/g)) {
    entities.push({ type: "mention", offset: (m.index ?? 0) + m[1].length, length: m[2].length });
  }
  return entities.sort((a, b) => a.offset - b.offset);
}
