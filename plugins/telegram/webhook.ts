/**
 * Webhook mode: an HTTP endpoint Telegram POSTs updates to. It is open to whoever can reach the
 * port, so every request is bounded and answered, and none can end the process or hold a socket:
 *
 * | request | answer |
 * | --- | --- |
 * | request target that is not a plain path (`//[`, `*`, `http://…`) | 400 |
 * | another path | 404 |
 * | the path, another method | 405 (Allow: POST) |
 * | no or wrong `X-Telegram-Bot-Api-Secret-Token` | 401 (compared in constant time) |
 * | body over `maxBodyBytes` (declared or sent) | 413, connection closed, the rest not read |
 * | body not complete within `bodyTimeoutMs` | 408, connection closed |
 * | body not JSON, not an object, or without an integer `update_id` | 400 |
 * | an update | 200 once handled, or after `handlerTimeoutMs` while handling goes on |
 *
 * Headers must arrive within `headersTimeoutMs` (node answers 408), and the sockets are capped.
 * An update whose handler fails is logged and still answered 200, so Telegram does not re-send a
 * poisonous update for hours (long polling confirms it the same way).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import { type Logger, settledWithin } from "../../src/plugin-api.js";
import { describeError } from "./errors.js";
import type { UpdateIntake } from "./intake.js";
import { MAX_UPDATE_BYTES } from "./update-batch.js";

export interface WebhookLimits {
  /** Largest body read; a larger one gets 413. Default 1 MiB (Telegram's updates are a few KB). */
  maxBodyBytes: number;
  /** Time a client has to send the request headers. Default 10 s. */
  headersTimeoutMs: number;
  /** Time a client has to send the body once the headers are in. Default 10 s. */
  bodyTimeoutMs: number;
  /** Time handling gets before Telegram is answered 200 anyway. Default 10 s. */
  handlerTimeoutMs: number;
  /** Open sockets at most; more are refused until some close. Default 256 (Telegram uses up to 100). */
  maxConnections: number;
}

export const WEBHOOK_LIMITS: WebhookLimits = {
  maxBodyBytes: MAX_UPDATE_BYTES,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  handlerTimeoutMs: 10_000,
  maxConnections: 256,
};

export interface WebhookServer extends UpdateIntake {
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
}

/** Why a request is refused: the status and a short reason sent as the body. */
class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    /** Close the connection: the rest of the request will not be read. */
    readonly close = false,
  ) {}
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** The path of an origin-form request target (`/path?query`), or undefined for anything else. */
function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith("/") || target.startsWith("//")) return undefined;
  const path = target.split(/[?#]/, 1)[0];
  try {
    new URL(target, "http://localhost");
  } catch {
    return undefined;
  }
  return path;
}

/** A parsed body that looks like an update: an object with an integer update_id. */
function parseUpdate(body: Buffer): Update | Refusal {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return new Refusal(400, "body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return new Refusal(400, "body is not a JSON object");
  const id = (value as { update_id?: unknown }).update_id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) return new Refusal(400, "body has no integer update_id");
  return value as Update;
}

export async function startWebhookServer(options: {
  bot: Bot;
  host: string;
  port: number;
  path: string;
  secret: string;
  log: Logger;
  token: string;
  limits?: Partial<WebhookLimits>;
}): Promise<WebhookServer> {
  const { bot, log, token } = options;
  const limits = { ...WEBHOOK_LIMITS, ...options.limits };
  const secretDigest = digest(options.secret);
  const inFlight = new Set<Promise<unknown>>();

  const check = (req: IncomingMessage): Refusal | undefined => {
    const path = requestPath(req.url);
    if (path === undefined) return new Refusal(400, "malformed request target", true);
    if (path !== options.path) return new Refusal(404, "not found", true);
    if (req.method !== "POST") return new Refusal(405, "method not allowed", true);
    const secret = req.headers["x-telegram-bot-api-secret-token"];
    if (typeof secret !== "string" || !timingSafeEqual(digest(secret), secretDigest)) return new Refusal(401, "unauthorized", true);
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limits.maxBodyBytes) return new Refusal(413, "body too large", true);
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refusal = check(req);
    if (refusal) return answer(res, refusal);
    const body = await readBody(req, limits);
    if (body instanceof Refusal) return answer(res, body);
    const update = parseUpdate(body);
    if (update instanceof Refusal) return answer(res, update);
    const handled = bot.handleUpdate(update).catch((err: unknown) => {
      const cause = (err as { error?: unknown } | null)?.error ?? err;
      log.error("telegram: webhook update failed", { updateId: update.update_id, error: describeError(cause, token) });
    });
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
    await settledWithin(handled, limits.handlerTimeoutMs);
    answer(res, undefined);
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs,
      // How often node looks for connections past those timeouts (its default, 30 s, would let them linger).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        log.error("telegram: webhook request failed", { error: describeError(err, token) });
        if (!res.headersSent) answer(res, new Refusal(500, "internal error", true));
        else res.destroy();
      });
    },
  );
  server.maxConnections = limits.maxConnections;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // After listening, a server error (e.g. EMFILE on accept) must not end the process.
  server.on("error", (err) => log.error("telegram: webhook server error", { error: describeError(err, token) }));

  return {
    port: (server.address() as AddressInfo).port,
    async stop(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await settledWithin(Promise.allSettled([...inFlight]), graceMs);
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Sends the answer (200 for an accepted update); a refusal that leaves the request unread closes the connection. */
function answer(res: ServerResponse, refusal: Refusal | undefined): void {
  if (res.headersSent || res.destroyed) return;
  const status = refusal?.status ?? 200;
  const body = refusal ? `${refusal.reason}\n` : "";
  const headers: Record<string, string | number> = { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) };
  if (status === 405) headers.allow = "POST";
  // node then closes the socket once the answer is out, instead of waiting for the rest of the body.
  if (refusal?.close) headers.connection = "close";
  res.writeHead(status, headers).end(body);
}

/** The whole body, or a refusal when it is too large (413) or too slow (408). */
function readBody(req: IncomingMessage, limits: WebhookLimits): Promise<Buffer | Refusal> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | Refusal) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onError);
      if (result instanceof Refusal) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) finish(new Refusal(413, "body too large", true));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onError = () => finish(new Refusal(400, "request aborted", true));
    const timer = setTimeout(() => finish(new Refusal(408, "body not received in time", true)), limits.bodyTimeoutMs);
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onError);
  });
}
