/**
 * A local Anthropic Messages API: `POST /v1/messages` with the real validation, JSON and SSE
 * responses, error bodies and headers, prompt-cache usage, and scripted failures per credential.
 */
import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { PromptCache, type CacheUsage } from "./prompt-cache.js";
import { splitIntoChunks, writeEvent } from "./sse.js";
import { FakeRateLimiter } from "./rate-limits.js";
import type { FakeAnthropic, FakeAnthropicOptions, FakeModel, FakeStep, RecordedRequest } from "./types.js";
import { DEFAULT_FAKE_MODELS, modelsPage } from "./models.js";
import { estimateTokens, validateMessagesBody, type ValidMessagesRequest } from "./validate.js";

const DEFAULT_CHUNKS = 3;

const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

interface QueuedStep {
  step: FakeStep;
  remaining: number;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  credential: string;
  /** A subscription credential (OAuth / setup-token): the unified rate-limit headers. */
  bearer: boolean;
  headers: Record<string, string>;
}

/**
 * A subscription credential (OAuth access token or setup-token): its shape (`sk-ant-oat…`) or the
 * OAuth beta Baton sends with one. Not the header: the SDK sends API keys as Bearer tokens too.
 */
function isSubscription(headers: IncomingMessage["headers"], credential: string | undefined): boolean {
  return Boolean(credential?.startsWith("sk-ant-oat")) || /\boauth-\d{4}-\d{2}-\d{2}\b/.test(String(headers["anthropic-beta"] ?? ""));
}

function credentialOf(headers: IncomingMessage["headers"]): string | undefined {
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey !== "") return apiKey;
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "");
  return match ? match[1].trim() : undefined;
}

function lowerCaseHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function errorBody(type: string, message: string, requestId: string) {
  return { type: "error", error: { type, message }, request_id: requestId };
}

/** Start the fake on 127.0.0.1, port 0. */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const now = options.now ?? Date.now;
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, QueuedStep[]>();
  const cache = new PromptCache(now);
  const limiter = new FakeRateLimiter(now);
  if (options.rateLimits) limiter.set(undefined, options.rateLimits);
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  // every slow step waits on this signal; many at once are expected, not a leak
  setMaxListeners(0, closing.signal);
  let defaultStep: FakeStep | undefined;
  let echoDelayMs = 0;
  let counter = 0;
  let models: FakeModel[] = options.models ?? DEFAULT_FAKE_MODELS;

  function nextStep(credential: string): FakeStep | undefined {
    const queue = scripts.get(credential);
    const head = queue?.[0];
    if (!head) return defaultStep;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.step;
  }

  function commonHeaders(requestId: string, credential: string | undefined, bearer: boolean): Record<string, string> {
    return { "request-id": requestId, ...(credential === undefined ? {} : limiter.headers(credential, bearer)) };
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  function sendError(ex: Exchange, status: number, type: string, message: string, extra: Record<string, string> = {}) {
    sendJson(ex.res, status, errorBody(type, message, ex.requestId), { ...ex.headers, ...extra });
  }

  function usageFor(ex: Exchange, request: ValidMessagesRequest): CacheUsage {
    return cache.use(ex.credential, request.model, request.blocks);
  }

  function messageShell(request: ValidMessagesRequest, usage: CacheUsage, outputTokens: number) {
    return {
      id: `msg_fake_${String(counter).padStart(6, "0")}`,
      type: "message",
      role: "assistant",
      model: request.model,
      content: [] as Array<{ type: "text"; text: string }>,
      stop_reason: null as string | null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.inputTokens,
        cache_creation_input_tokens: usage.cacheCreationTokens,
        cache_read_input_tokens: usage.cacheReadTokens,
        cache_creation: usage.cacheCreation,
        output_tokens: outputTokens,
        service_tier: "standard",
      },
    };
  }

  /** Cut the reply at max_tokens like the model would. */
  function limitReply(text: string, maxTokens: number): { text: string; stopReason: string } {
    if (estimateTokens(text) <= maxTokens) return { text, stopReason: "end_turn" };
    return { text: Array.from(text).slice(0, maxTokens * 4).join(""), stopReason: "max_tokens" };
  }

  async function pause(ms: number | undefined): Promise<void> {
    if (!ms) return;
    await sleep(ms, undefined, { signal: closing.signal }).catch(() => undefined);
  }

  /** Open an SSE stream and send the events up to and including the text deltas. */
  async function streamStart(
    ex: Exchange,
    request: ValidMessagesRequest,
    text: string,
    chunks: number,
    delayMs?: number,
  ): Promise<{ usage: CacheUsage; open: boolean }> {
    const usage = usageFor(ex, request);
    ex.res.writeHead(200, {
      ...ex.headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    const message = messageShell(request, usage, 1);
    let open = await writeEvent(ex.res, "message_start", { type: "message_start", message });
    open &&= await writeEvent(ex.res, "content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    open &&= await writeEvent(ex.res, "ping", { type: "ping" });
    for (const piece of splitIntoChunks(text, chunks)) {
      if (!open) break;
      await pause(delayMs);
      open = await writeEvent(ex.res, "content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: piece },
      });
    }
    return { usage, open };
  }

  async function reply(ex: Exchange, request: ValidMessagesRequest, rawText: string, chunks: number, delayMs?: number) {
    const { text, stopReason } = limitReply(rawText, request.maxTokens);
    const outputTokens = estimateTokens(text);
    limiter.chargeOutput(ex.credential, outputTokens);
    ex.headers = { ...ex.headers, ...limiter.headers(ex.credential, ex.bearer) };
    if (!request.stream) {
      await pause(delayMs);
      const message = messageShell(request, usageFor(ex, request), outputTokens);
      message.content = [{ type: "text", text }];
      message.stop_reason = stopReason;
      sendJson(ex.res, 200, message, ex.headers);
      return;
    }
    const { usage, open } = await streamStart(ex, request, text, chunks, delayMs);
    if (!open) return;
    await writeEvent(ex.res, "content_block_stop", { type: "content_block_stop", index: 0 });
    await writeEvent(ex.res, "message_delta", {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: {
        input_tokens: usage.inputTokens,
        cache_creation_input_tokens: usage.cacheCreationTokens,
        cache_read_input_tokens: usage.cacheReadTokens,
        output_tokens: outputTokens,
      },
    });
    await writeEvent(ex.res, "message_stop", { type: "message_stop" });
    ex.res.end();
  }

  async function runStep(ex: Exchange, request: ValidMessagesRequest, step: FakeStep | undefined): Promise<void> {
    if (!step) return reply(ex, request, `echo: ${request.lastUserText}`, DEFAULT_CHUNKS, echoDelayMs || undefined);
    if ("reply" in step) return reply(ex, request, step.reply, step.chunks ?? DEFAULT_CHUNKS, step.delayMs);
    if ("error" in step) {
      const extra: Record<string, string> = { ...step.headers };
      if (step.retryAfterSeconds !== undefined) extra["retry-after"] = String(step.retryAfterSeconds);
      if (step.error.status === 429) Object.assign(extra, limiter.scriptedRefusalHeaders(ex.credential, ex.bearer, step.retryAfterSeconds), step.headers);
      return sendError(ex, step.error.status, step.error.type, step.error.message, extra);
    }
    if ("midStreamError" in step) {
      const { type, message } = step.midStreamError;
      if (!request.stream) return sendError(ex, STATUS_BY_ERROR_TYPE[type] ?? 500, type, message);
      const { open } = await streamStart(ex, request, step.afterText ?? "", DEFAULT_CHUNKS);
      if (!open) return;
      await writeEvent(ex.res, "error", errorBody(type, message, ex.requestId));
      ex.res.end();
      return;
    }
    if ("resetConnection" in step) {
      if (step.afterText !== undefined && request.stream) {
        await streamStart(ex, request, step.afterText, DEFAULT_CHUNKS);
      }
      ex.req.socket.destroy();
      return;
    }
    // hang: keep the request open; close() cuts it.
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counter += 1;
    const requestId = `req_fake_${String(counter).padStart(6, "0")}`;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    let body: unknown = raw === "" ? undefined : raw;
    let parsed = false;
    try {
      if (raw !== "") {
        body = JSON.parse(raw);
        parsed = true;
      }
    } catch {
      // recorded as text
    }
    const credential = credentialOf(req.headers);
    const headers = lowerCaseHeaders(req.headers);
    requests.push({ method: req.method ?? "GET", path: url.pathname, headers, body, credential });
    const bearer = isSubscription(req.headers, credential);
    const ex: Exchange = { req, res, requestId, credential: credential ?? "", bearer, headers: commonHeaders(requestId, credential, bearer) };
    if (req.method === "GET" && url.pathname === "/v1/models") return listModels(ex, url);
    if (req.method !== "POST" || url.pathname !== "/v1/messages") {
      return sendError(ex, 404, "not_found_error", "Not found");
    }
    if (credential === undefined) {
      return sendError(ex, 401, "authentication_error", "x-api-key header is required");
    }
    if (!headers["anthropic-version"]) {
      return sendError(ex, 400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (!parsed) {
      return sendError(ex, 400, "invalid_request_error", "There was an error parsing the body: invalid JSON");
    }
    const validation = validateMessagesBody(body);
    if (!validation.ok) return sendError(ex, 400, "invalid_request_error", validation.message);
    const inputTokens = validation.request.blocks.reduce((sum, block) => sum + block.tokens, 0);
    const admission = limiter.admit(credential, inputTokens);
    if (!admission.admitted) {
      const refused = { ...limiter.refusedHeaders(credential, bearer), "retry-after": String(admission.retryAfterSeconds) };
      return sendError(ex, 429, "rate_limit_error", "This request would exceed your organization's rate limit. Please retry after the reset.", refused);
    }
    ex.headers = commonHeaders(requestId, credential, bearer);
    await runStep(ex, validation.request, nextStep(credential));
  }

  /** `GET /v1/models`; a scripted error step at the head of the credential's queue answers instead. */
  function listModels(ex: Exchange, url: URL): void {
    if (!ex.credential) return sendError(ex, 401, "authentication_error", "x-api-key header is required");
    const head = scripts.get(ex.credential)?.[0]?.step;
    if (head && "error" in head) {
      nextStep(ex.credential);
      const extra: Record<string, string> = { ...head.headers };
      if (head.retryAfterSeconds !== undefined) extra["retry-after"] = String(head.retryAfterSeconds);
      return sendError(ex, head.error.status, head.error.type, head.error.message, extra);
    }
    const page = modelsPage(models, url.searchParams);
    if ("invalid" in page) return sendError(ex, 400, "invalid_request_error", page.invalid);
    sendJson(ex.res, 200, page.body, ex.headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(errorBody("api_error", `fake failure: ${String(err)}`, "req_fake_error")));
      } else {
        res.destroy();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(credential, ...steps) {
      const queue = scripts.get(credential) ?? [];
      for (const step of steps) queue.push({ step, remaining: Math.max(1, step.times ?? 1) });
      scripts.set(credential, queue);
    },
    setModels(list) {
      models = list;
    },
    setDefault(step) {
      defaultStep = step;
    },
    setEchoDelay(ms) {
      echoDelayMs = ms;
    },
    setRateLimits(credential, limits) {
      limiter.set(credential, limits);
    },
    reset() {
      requests.length = 0;
      scripts.clear();
      limiter.reset();
      if (options.rateLimits) limiter.set(undefined, options.rateLimits);
      cache.clear();
      defaultStep = undefined;
      echoDelayMs = 0;
      models = options.models ?? DEFAULT_FAKE_MODELS;
    },
    async close() {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
