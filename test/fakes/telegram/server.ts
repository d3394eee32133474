/**
 * A local Telegram Bot API server for tests: real HTTP on 127.0.0.1, the real
 * `/bot<token>/<method>` routes and `{ok,result}` / `{ok:false,error_code,description}`
 * envelopes, so grammY talks to it exactly as it talks to api.telegram.org.
 *
 * @example
 * const tg = await startFakeTelegram();
 * const bot = new Bot(tg.token, { client: { apiRoot: tg.url } });
 * tg.pushUserMessage({ from: { id: 42 }, text: "hello" });
 * const reply = await tg.waitForSent((m) => m.chat_id === 42);
 * await tg.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, FakeBotApi } from "./bot-api.js";
import { TELEGRAM_FLOOD_LIMITS, type FloodLimits } from "./flood-control.js";
import type { TelegramEntity } from "./html.js";
import { BadParamsError, readParams } from "./request-params.js";
import { waitFor } from "../../support/wait.js";
import type {
  ApiCallRecord, BotCommand, CallbackAnswerRecord, ChatActionRecord, DocumentRecord, FakeChat, FakeMessage, FakeUpdate,
  FakeUser, SentRecord, WebhookState,
} from "./types.js";

export interface FakeTelegramOptions {
  /** Bot token the server accepts; others get 401. */
  token?: string;
  username?: string;
  firstName?: string;
  /** Flood limits; each defaults to Telegram's published one, `false` disables it. */
  limits?: Partial<FloodLimits>;
  /** Raw answers in place from the first call on, as {@link FakeTelegram.answerRaw} sets them (`times` defaults to always). */
  rawAnswers?: Array<{ method: string; answer: RawAnswer; times?: number }>;
}

export type UserInput = Partial<FakeUser> & { id: number };
export type ChatInput = Partial<FakeChat> & { id: number };

export interface UserMessageInput {
  /** Defaults to the private chat with `from`. Negative ids default to a supergroup. */
  chat?: ChatInput;
  from: UserInput;
  text?: string;
  caption?: string;
  /** Forum topic (or reply thread) id; in a forum the topic is created on first use. */
  message_thread_id?: number;
  /** Id of a message in the same chat (e.g. one the bot sent), or a full message. */
  reply_to_message?: number | FakeMessage;
  /** Defaults to the /command and @mention entities Telegram would attach. */
  entities?: TelegramEntity[];
  /** Extra message fields, e.g. `{ photo: [...] }`. */
  extra?: Record<string, unknown>;
}

export interface CallbackQueryInput {
  from: UserInput;
  chatId: number;
  messageId: number;
  /** The button's callback_data, or give `label` to press the button with that text. */
  data?: string;
  label?: string;
}

/**
 * An HTTP answer given as it is, e.g. what a proxy or an emulator in front of the Bot API sends:
 * `{ status: 500, body: '{"message":"upstream down"}' }`, `{ status: 502, body: "<html>…" }`,
 * `{ status: 200, body: '{"ok":true,"result":{"not":"a list"}}' }`, or an empty body.
 */
export interface RawAnswer {
  status: number;
  body: string;
  /** Default application/json. */
  contentType?: string;
}

export interface FakeTelegram {
  /** API root for grammY's `client.apiRoot` (no trailing slash). */
  url: string;
  token: string;
  bot: FakeUser;
  /** Every message the bot sent or edited, in order. */
  sent: SentRecord[];
  chatActions: ChatActionRecord[];
  /** Every document the bot sent (sendDocument uploads), in order. */
  documents: DocumentRecord[];
  callbackAnswers: CallbackAnswerRecord[];
  /** Every API call, in arrival order. */
  calls: ApiCallRecord[];
  /** File paths downloaded from `/file/bot<token>/<path>`, in order. */
  fileDownloads: string[];
  /** Stores a file a user sent (for `extra: { document: {...} }`); getFile and the file route serve it. */
  addFile(content: Buffer, extension?: string): { file_id: string; file_unique_id: string; file_size: number };
  /** A photo's sizes for `extra: { photo }`, smallest first, one per image given. */
  photoSizes(images: Buffer[]): { file_id: string; file_unique_id: string; file_size: number; width: number; height: number }[];
  /** 429 answers given so far. */
  readonly count429: number;
  /** The default-scope command menu (`setMyCommands` without scope), if set. */
  readonly commands: BotCommand[] | undefined;
  readonly webhook: WebhookState | null;
  readonly pendingUpdates: readonly FakeUpdate[];
  readonly limits: FloodLimits;
  /** Whether a getUpdates long poll is currently held open. */
  readonly pollWaiting: boolean;
  addChat(chat: ChatInput): FakeChat;
  message(chatId: number, messageId: number): FakeMessage | undefined;
  pushUserMessage(input: UserMessageInput): FakeUpdate;
  pushCallbackQuery(input: CallbackQueryInput): FakeUpdate;
  /** Queues any update body, e.g. `{ message: {...} }`. */
  pushUpdate(body: Omit<FakeUpdate, "update_id">): FakeUpdate;
  /** Resolves with the first sent/edited record matching `predicate` (already there or yet to come). */
  waitForSent(predicate: (record: SentRecord) => boolean, timeoutMs?: number): Promise<SentRecord>;
  /** Resolves with the first call to `method` (case-insensitive) matching `predicate`. */
  waitForCall(method: string, predicate?: (call: ApiCallRecord) => boolean, timeoutMs?: number): Promise<ApiCallRecord>;
  /** Resolves once `check` returns a value other than undefined/null/false, re-checked whenever the fake's state changes. */
  waitFor<T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  /** POSTs an update to the webhook like Telegram does; returns the HTTP status. */
  deliverViaWebhook(update: FakeUpdate, options?: { secret?: string | null }): Promise<number>;
  /** Makes the next `times` calls to `method` fail with this error (before any effect). */
  failNext(method: string, error: { error_code: number; description: string; retry_after?: number }, times?: number): void;
  /**
   * Makes the next `times` calls to `method` get `answer` verbatim, with no effect (see {@link RawAnswer}).
   * Calls queue up: answers set for the same method are given in order. `times` may be Infinity;
   * {@link clearFailures} forgets what is left. Raw answers come before {@link failNext} failures.
   */
  answerRaw(method: string, answer: RawAnswer, times?: number): void;
  clearFailures(): void;
  setLimits(limits: Partial<FloodLimits>): void;
  close(): Promise<void>;
}

const DEFAULT_TOKEN = "7000000001:AAFakeTelegramTokenForBatonTests_0123";

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

function errorBody(err: ApiError): Record<string, unknown> {
  return {
    ok: false,
    error_code: err.code,
    description: err.description,
    ...(err.parameters ? { parameters: err.parameters } : {}),
  };
}

function toUser(input: UserInput): FakeUser {
  return { is_bot: false, first_name: `User ${input.id}`, ...input };
}

function toChat(input: ChatInput): FakeChat {
  if (input.id > 0) return { type: "private", first_name: `User ${input.id}`, ...input };
  return { type: "supergroup", title: `Group ${input.id}`, ...input };
}

export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = options.token ?? DEFAULT_TOKEN;
  const botId = Number(token.split(":")[0]) || 7000000001;
  const bot: FakeUser = { id: botId, is_bot: true, first_name: options.firstName ?? "Baton Test", username: options.username ?? "BatonTestBot" };
  const api = new FakeBotApi(bot, { ...TELEGRAM_FLOOD_LIMITS, ...options.limits });

  // Per method (lower case), the raw answers still to give, in order.
  const rawAnswers = new Map<string, Array<{ answer: RawAnswer; left: number }>>();
  const takeRawAnswer = (method: string): RawAnswer | undefined => {
    const queue = rawAnswers.get(method.toLowerCase());
    const entry = queue?.[0];
    if (!queue || !entry) return undefined;
    if (--entry.left <= 0) queue.shift();
    return entry.answer;
  };

  for (const { method, answer, times } of options.rawAnswers ?? []) {
    rawAnswers.set(method.toLowerCase(), [...(rawAnswers.get(method.toLowerCase()) ?? []), { answer, left: times ?? Infinity }]);
  }

  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const fileRoute = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileRoute) return serveFile(res, decodeURIComponent(fileRoute[1]), decodeURIComponent(fileRoute[2]));
    const route = /^\/bot([^/]+)\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (!route) return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    if (decodeURIComponent(route[1]) !== token) return sendJson(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    const aborted = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    try {
      const params = await readParams(req, url);
      const raw = takeRawAnswer(route[2]);
      if (raw) {
        api.recordAnsweredCall(route[2], params, raw.status);
        res.writeHead(raw.status, { "content-type": raw.contentType ?? "application/json", "content-length": Buffer.byteLength(raw.body) });
        res.end(raw.body);
        return;
      }
      const reply = await api.call(route[2], params, aborted.signal);
      sendJson(res, 200, { ok: true, result: reply.result, ...(reply.description ? { description: reply.description } : {}) });
    } catch (err) {
      if (err instanceof BadParamsError) return sendJson(res, 400, errorBody(new ApiError(400, err.message)));
      if (err instanceof ApiError) return sendJson(res, err.code, errorBody(err));
      sendJson(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
    }
  }

  const fileDownloads: string[] = [];
  /** `GET /file/bot<token>/<file_path>`: the bytes of a file getFile described; 404 for anything else, as Telegram answers. */
  function serveFile(res: ServerResponse, givenToken: string, filePath: string): void {
    const content = givenToken === token ? api.fileAt(filePath) : undefined;
    if (!content) return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    fileDownloads.push(filePath);
    api.events.emit("change");
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": content.length });
    res.end(content);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const waitOnApi = <T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T> =>
    waitFor(check, { changes: api.events, timeoutMs, what });

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    bot,
    sent: api.sent,
    chatActions: api.chatActions,
    documents: api.documents,
    callbackAnswers: api.callbackAnswers,
    calls: api.calls,
    fileDownloads,
    addFile: (content, extension) => api.addFile(content, extension),
    photoSizes: (images) =>
      images.map((content, i) => ({ ...api.addFile(content), width: 90 * 2 ** (i + 1), height: 60 * 2 ** (i + 1) })),
    get count429() {
      return api.count429;
    },
    get commands() {
      return api.commandsFor();
    },
    get webhook() {
      return api.webhook;
    },
    get pendingUpdates() {
      return api.pendingUpdates;
    },
    get limits() {
      return api.floodLimits;
    },
    get pollWaiting() {
      return api.pollWaiting;
    },
    addChat: (chat) => api.addChat(toChat(chat)),
    message: (chatId, messageId) => api.message(chatId, messageId),
    pushUserMessage(input) {
      const from = toUser(input.from);
      const chat = toChat(input.chat ?? { id: from.id, first_name: from.first_name, username: from.username });
      return api.addUserMessage({ ...input, chat, from });
    },
    pushCallbackQuery(input) {
      let data = input.data;
      if (data === undefined) {
        const button = api
          .message(input.chatId, input.messageId)
          ?.reply_markup?.inline_keyboard.flat()
          .find((b) => b.text === input.label);
        if (!button?.callback_data) throw new Error(`fake telegram: no button labelled ${JSON.stringify(input.label)}`);
        data = button.callback_data;
      }
      return api.addCallbackQuery({ from: toUser(input.from), chatId: input.chatId, messageId: input.messageId, data });
    },
    pushUpdate: (body) => api.enqueue(body),
    waitForSent: (predicate, timeoutMs) =>
      waitOnApi(() => api.sent.find(predicate), timeoutMs, `a sent message matching ${predicate.toString()}`),
    waitForCall: (method, predicate = () => true, timeoutMs) =>
      waitOnApi(
        () => api.calls.find((c) => c.method.toLowerCase() === method.toLowerCase() && predicate(c)),
        timeoutMs,
        `a call to ${method}`,
      ),
    waitFor: waitOnApi,
    async deliverViaWebhook(update, deliveryOptions = {}) {
      if (!api.webhook) throw new Error("fake telegram: no webhook is set");
      const secret = deliveryOptions.secret === undefined ? api.webhook.secretToken : deliveryOptions.secret;
      const response = await fetch(api.webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(secret !== undefined && secret !== null ? { "x-telegram-bot-api-secret-token": secret } : {}),
        },
        body: JSON.stringify(update),
      });
      await response.arrayBuffer();
      if (response.status === 200) api.acknowledge(update.update_id);
      return response.status;
    },
    failNext(method, error, times = 1) {
      const parameters = error.retry_after !== undefined ? { retry_after: error.retry_after } : undefined;
      api.failNext(method, new ApiError(error.error_code, error.description, parameters), times);
    },
    answerRaw(method, answer, times = 1) {
      const queue = rawAnswers.get(method.toLowerCase()) ?? [];
      queue.push({ answer, left: times });
      rawAnswers.set(method.toLowerCase(), queue);
    },
    clearFailures() {
      api.clearFailures();
      rawAnswers.clear();
    },
    setLimits(limits) {
      api.setFloodLimits({ ...TELEGRAM_FLOOD_LIMITS, ...limits });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
