/**
 * The gateway's HTTP server: GET-only endpoints, open to whoever can reach the port, so every
 * request is bounded and answered and none can end the process or hold a socket:
 *
 * | request | answer |
 * | --- | --- |
 * | request target that is not a plain path (`*`, `http://…`, `//x`) | 400 |
 * | headers larger than `maxHeaderBytes` | 431 (node) |
 * | headers not complete within `headersTimeoutMs` | 408 (node) |
 * | a body (nothing here takes one) | answered without reading it, connection closed |
 * | handler slower than `handlerTimeoutMs` | 503 |
 * | handler throws | 500, logged |
 *
 * Which path and method get what is the handler's business (`routes.ts`). Sockets are capped;
 * a server error after listening (EMFILE on accept) is logged, never fatal.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../plugin-api.js";
import { describeThrown } from "../util/log.js";
import { redactSecrets } from "../util/redact.js";
import { settledWithin, TimeoutError, withTimeout } from "../util/timeout.js";

export interface HttpRequest {
  /** Upper case, as sent. */
  method: string;
  /** The path of the request target, without query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

export interface HttpLimits {
  /** Time a client has to send the request headers. Default 10 s. */
  headersTimeoutMs: number;
  /** Largest request head. Default 8 KiB. */
  maxHeaderBytes: number;
  /** Time a handler gets before the request is answered 503. Default 10 s. */
  handlerTimeoutMs: number;
  /** Open sockets at most; more are refused until some close. Default 64. */
  maxConnections: number;
}

export const HTTP_LIMITS: HttpLimits = { headersTimeoutMs: 10_000, maxHeaderBytes: 8 * 1024, handlerTimeoutMs: 10_000, maxConnections: 64 };

export interface RunningHttpServer {
  /** The port bound (differs from the requested one when that was 0). */
  port: number;
  host: string;
  /** `http://host:port` (IPv6 hosts in brackets). */
  url: string;
  /** Stops accepting, lets requests under way finish within `graceMs`, then cuts what is left. */
  stop(graceMs?: number): Promise<void>;
}

/** The path and query of an origin-form target (`/path?query`), or undefined for anything else. */
export function parseTarget(target: string | undefined): { path: string; query: URLSearchParams } | undefined {
  if (target === undefined || !target.startsWith("/") || target.startsWith("//")) return undefined;
  try {
    const url = new URL(target, "http://localhost");
    return { path: url.pathname, query: url.searchParams };
  } catch {
    return undefined;
  }
}

const text = (status: number, body: string, close = false): HttpResponse => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8", ...(close ? { connection: "close" } : {}) },
  body: `${body}\n`,
});

export async function startHttpServer(options: { host: string; port: number; handler: HttpHandler; log: Logger; limits?: Partial<HttpLimits> }): Promise<RunningHttpServer> {
  const { handler, log } = options;
  const limits = { ...HTTP_LIMITS, ...options.limits };
  const inFlight = new Set<Promise<unknown>>();

  const respond = async (req: IncomingMessage): Promise<HttpResponse> => {
    const target = parseTarget(req.url);
    if (!target) return text(400, "malformed request target", true);
    const request: HttpRequest = { method: req.method ?? "", path: target.path, query: target.query, headers: req.headers };
    try {
      return await withTimeout(handler(request), limits.handlerTimeoutMs);
    } catch (err) {
      if (err instanceof TimeoutError) return text(503, "took too long; try again");
      log.error("http: request failed", { path: target.path, error: redactSecrets(describeThrown(err)) });
      return text(500, "internal error");
    }
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs + limits.handlerTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // how often node looks for connections past those timeouts (its default, 30 s, would let them linger)
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      const handled = respond(req)
        .then((response) => send(req, res, response))
        .catch((err: unknown) => {
          log.error("http: answer failed", { error: describeThrown(err) });
          res.destroy();
        });
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
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
  server.on("error", (err) => log.error("http: server error", { error: describeThrown(err) }));

  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    port: address.port,
    host: address.address,
    url: `http://${host}:${address.port}`,
    async stop(graceMs = 2000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await settledWithin(Promise.allSettled([...inFlight]), graceMs);
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Writes the response (headers only for HEAD); a request that carries a body is answered without reading it and its connection closed. */
function send(req: IncomingMessage, res: ServerResponse, response: HttpResponse): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(response.body, "utf8");
  const headers: Record<string, string | number> = { "x-content-type-options": "nosniff", ...response.headers, "content-length": body.length };
  const declared = req.headers["content-length"];
  if ((declared !== undefined && declared !== "0") || req.headers["transfer-encoding"] !== undefined) headers.connection = "close";
  res.writeHead(response.status, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}
