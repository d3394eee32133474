/**
 * A local OpenRouter API: `POST /api/v1/chat/completions` (JSON and SSE, OpenAI-style chunks,
 * `: OPENROUTER PROCESSING` comments, usage in the final chunk), errors with OpenRouter's body
 * `{"error":{"code","message","metadata"}}`, errors inside a started stream, `GET /api/v1/models`,
 * and scripted behaviours per credential (Bearer token).
 */
import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { splitIntoChunks } from "../anthropic/sse.js";
import type { FakeModel, FakeOpenRouter, FakeOpenRouterStep, RecordedRequest } from "./types.js";
import { estimateTokens, validateChatBody, type ValidChatRequest } from "./validate.js";

const API_PREFIX = "/api/v1";
const DEFAULT_CHUNKS = 3;

export const DEFAULT_MODELS: readonly FakeModel[] = [
  { id: "anthropic/claude-opus-4.5", name: "Anthropic: Claude Opus 4.5", context_length: 200_000, pricing: { prompt: "0.000005", completion: "0.000025" } },
  { id: "anthropic/claude-sonnet-4.5", name: "Anthropic: Claude Sonnet 4.5", context_length: 1_000_000, pricing: { prompt: "0.000003", completion: "0.000015" } },
  { id: "openai/gpt-4o", name: "OpenAI: GPT-4o", context_length: 128_000, pricing: { prompt: "0.0000025", completion: "0.00001" } },
];

interface QueuedStep {
  step: FakeOpenRouterStep;
  remaining: number;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  id: string;
}

function credentialOf(headers: IncomingMessage["headers"]): string | undefined {
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

function errorBody(code: number | string, message: string, metadata?: Record<string, unknown>) {
  return { error: { code, message, ...(metadata ? { metadata } : {}) } };
}

/** Write one SSE data line (or a comment); resolves once handed to the socket (false when it is gone). */
function writeData(res: ServerResponse, data: unknown, comment = false): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  const frame = comment ? `: ${String(data)}\n\n` : `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
  return new Promise((resolve) => {
    res.write(frame, (err) => resolve(!err));
  });
}

/** Start the fake on 127.0.0.1, port 0. */
export async function startFakeOpenRouter(): Promise<FakeOpenRouter> {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, QueuedStep[]>();
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  // every slow step waits on this signal; many at once are expected, not a leak
  setMaxListeners(0, closing.signal);
  let defaultStep: FakeOpenRouterStep | undefined;
  let models: FakeModel[] = [...DEFAULT_MODELS];
  let counter = 0;

  function nextStep(credential: string): FakeOpenRouterStep | undefined {
    const queue = scripts.get(credential);
    const head = queue?.[0];
    if (!head) return defaultStep;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.step;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  function sendError(ex: Exchange, status: number, message: string, extra: Record<string, string> = {}, metadata?: Record<string, unknown>) {
    sendJson(ex.res, status, errorBody(status, message, metadata), extra);
  }

  async function pause(ms: number | undefined): Promise<void> {
    if (!ms) return;
    await sleep(ms, undefined, { signal: closing.signal }).catch(() => undefined);
  }

  function usageOf(request: ValidChatRequest, completionTokens: number, cachedTokens = 0) {
    const prompt = estimateTokens(request.promptText) + request.images.length * 85 + cachedTokens;
    return {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens },
      completion_tokens_details: { reasoning_tokens: 0 },
      cost: 0,
    };
  }

  function chunk(ex: Exchange, request: ValidChatRequest, choices: unknown[], extra: Record<string, unknown> = {}) {
    return { id: ex.id, provider: "FakeUpstream", model: request.model, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), choices, ...extra };
  }

  /** Cut the reply at max_tokens like the model would. */
  function limitReply(text: string, maxTokens: number | undefined): { text: string; finishReason: string } {
    if (maxTokens === undefined || estimateTokens(text) <= maxTokens) return { text, finishReason: "stop" };
    return { text: Array.from(text).slice(0, maxTokens * 4).join(""), finishReason: "length" };
  }

  /** Open an SSE stream and send the chunks up to and including the text deltas. */
  async function streamStart(ex: Exchange, request: ValidChatRequest, text: string, chunks: number, delayMs?: number): Promise<boolean> {
    ex.res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-generation-id": ex.id });
    let open = await writeData(ex.res, "OPENROUTER PROCESSING", true);
    open &&= await writeData(ex.res, chunk(ex, request, [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, native_finish_reason: null }]));
    for (const piece of splitIntoChunks(text, chunks)) {
      if (!open) break;
      await pause(delayMs);
      open = await writeData(ex.res, chunk(ex, request, [{ index: 0, delta: { role: "assistant", content: piece }, finish_reason: null, native_finish_reason: null }]));
    }
    return open;
  }

  async function reply(ex: Exchange, request: ValidChatRequest, rawText: string, chunks: number, delayMs?: number, cachedTokens?: number, omitFinish = false) {
    const { text, finishReason } = limitReply(rawText, request.maxTokens);
    const usage = usageOf(request, estimateTokens(text), cachedTokens);
    if (!request.stream) {
      await pause(delayMs);
      sendJson(ex.res, 200, {
        id: ex.id,
        provider: "FakeUpstream",
        model: request.model,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: finishReason, native_finish_reason: finishReason }],
        usage,
      });
      return;
    }
    if (!(await streamStart(ex, request, text, chunks, delayMs))) return;
    if (!omitFinish) {
      await writeData(ex.res, chunk(ex, request, [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: finishReason, native_finish_reason: finishReason }]));
      if (request.includeUsage) await writeData(ex.res, chunk(ex, request, [], { usage }));
    }
    await writeData(ex.res, "[DONE]");
    ex.res.end();
  }

  async function runStep(ex: Exchange, request: ValidChatRequest, step: FakeOpenRouterStep | undefined): Promise<void> {
    if (!step) return reply(ex, request, `echo: ${request.lastUserText}`, DEFAULT_CHUNKS);
    if ("reply" in step) return reply(ex, request, step.reply, step.chunks ?? DEFAULT_CHUNKS, step.delayMs, step.cachedTokens, step.omitFinish);
    if ("error" in step) {
      const extra: Record<string, string> = { ...step.headers };
      if (step.retryAfterSeconds !== undefined) extra["retry-after"] = String(step.retryAfterSeconds);
      return sendError(ex, step.error.status, step.error.message, extra, step.error.metadata);
    }
    if ("midStreamError" in step) {
      const { code, message, metadata } = step.midStreamError;
      if (!request.stream) return sendJson(ex.res, 200, { ...errorBody(code, message, metadata) });
      if (!(await streamStart(ex, request, step.afterText ?? "", DEFAULT_CHUNKS))) return;
      await writeData(ex.res, chunk(ex, request, [{ index: 0, delta: { content: "" }, finish_reason: "error", native_finish_reason: "error" }], errorBody(code, message, metadata)));
      ex.res.end();
      return;
    }
    if ("resetConnection" in step) {
      if (step.afterText !== undefined && request.stream) await streamStart(ex, request, step.afterText, DEFAULT_CHUNKS);
      ex.req.socket.destroy();
      return;
    }
    // hang: keep the request open; close() cuts it.
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counter += 1;
    const id = `gen-fake-${String(counter).padStart(6, "0")}`;
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
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    requests.push({ method: req.method ?? "GET", path, headers: lowerCaseHeaders(req.headers), body, credential });
    const ex: Exchange = { req, res, id };

    if (req.method === "GET" && url.pathname === `${API_PREFIX}/models`) return sendJson(res, 200, { data: models });
    if (req.method !== "POST" || url.pathname !== `${API_PREFIX}/chat/completions`) return sendError(ex, 404, "Not Found");
    if (credential === undefined) return sendError(ex, 401, "No auth credentials found");
    if (!parsed) return sendError(ex, 400, "Invalid JSON body");
    const validation = validateChatBody(body);
    if (!validation.ok) return sendError(ex, 400, validation.message);
    await runStep(ex, validation.request, nextStep(credential));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(errorBody(500, `fake failure: ${String(err)}`)));
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
    url: `http://127.0.0.1:${port}${API_PREFIX}`,
    requests,
    script(credential, ...steps) {
      const queue = scripts.get(credential) ?? [];
      for (const step of steps) queue.push({ step, remaining: Math.max(1, step.times ?? 1) });
      scripts.set(credential, queue);
    },
    setDefault(step) {
      defaultStep = step;
    },
    setModels(list) {
      models = [...list];
    },
    reset() {
      requests.length = 0;
      scripts.clear();
      defaultStep = undefined;
      models = [...DEFAULT_MODELS];
    },
    async close() {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
