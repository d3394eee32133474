/**
 * A loopback HTTP proxy in front of the Anthropic fake that decides, request by request, which
 * fault the fake injects, and records what each request actually got.
 *
 * Why a proxy: the fake's faults are scripted per credential in a FIFO queue, and its replies
 * echo the last user message only when nothing is scripted. To pick a fault per request at
 * random and still know which request got it, the proxy reads the request, scripts one step on
 * the fake for that credential (`fake.script`) and forwards the request, holding a
 * per-credential lock until the fake has started answering (so the step went to this request
 * and no other). Every fault comes from the fake itself; the proxy only relays bytes and, for a
 * connection reset, cuts the client's socket when the fake cut its own.
 */
import { createHash } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { FakeAnthropic, FakeStep } from "../fakes/anthropic/index.js";

export type FaultKind =
  | "ok"
  | "slow"
  | "unauthorized"
  | "rate_limited"
  | "overloaded"
  | "reset"
  | "reset_mid_stream"
  | "mid_stream_error";

export interface FaultDecision {
  kind: FaultKind;
  /** rate_limited: the `retry-after` header, seconds. */
  retryAfterSeconds?: number;
  /** slow: wait before each of the reply's deltas. */
  delayMs?: number;
}

export interface ProxiedCall {
  seq: number;
  credential: string;
  model: string;
  /** The last user message (what the fake's echo repeats). */
  userText: string;
  /** Same for every attempt of one turn: a hash of the request's messages. */
  turnKey: string;
  decision: FaultDecision;
  startedAt: number;
  /** When the response ended (or was cut), ms since epoch; undefined while in flight. */
  endedAt?: number;
  status?: number;
  /** complete: the whole response went through; cut: the connection broke (either side). */
  ending?: "complete" | "cut";
}

export interface FaultProxy {
  url: string;
  calls: ProxiedCall[];
  /** Requests of `credential` that have not ended. */
  inFlight(credential?: string): number;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  fake: FakeAnthropic;
  /** Called in arrival order per credential, inside that credential's lock. */
  decide(call: Omit<ProxiedCall, "decision">): FaultDecision;
}

const PARTIAL_TEXT = "Here is the first part of an answer that will not";

/** The fake step that produces `decision` for a request whose last user message is `userText`. */
export function stepFor(decision: FaultDecision, userText: string): FakeStep | undefined {
  switch (decision.kind) {
    case "ok":
      return undefined; // the fake's default: echo the last user message
    case "slow":
      return { reply: `echo: ${userText}`, chunks: 4, delayMs: decision.delayMs ?? 100 };
    case "unauthorized":
      return { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } };
    case "rate_limited":
      return {
        error: { status: 429, type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" },
        retryAfterSeconds: decision.retryAfterSeconds ?? 1,
      };
    case "overloaded":
      return { error: { status: 529, type: "overloaded_error", message: "Overloaded" } };
    case "reset":
      return { resetConnection: true };
    case "reset_mid_stream":
      return { resetConnection: true, afterText: PARTIAL_TEXT };
    case "mid_stream_error":
      return { midStreamError: { type: "overloaded_error", message: "Overloaded" }, afterText: PARTIAL_TEXT };
  }
}

function credentialOf(headers: IncomingMessage["headers"]): string {
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey) return apiKey;
  return /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1].trim() ?? "";
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((b) => (typeof b?.text === "string" ? b.text : "")).join("");
  return "";
}

function describeBody(raw: string): { model: string; userText: string; turnKey: string } {
  let body: any;
  try {
    body = JSON.parse(raw);
  } catch {
    return { model: "", userText: "", turnKey: "" };
  }
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const lastUser = [...messages].reverse().find((m) => m?.role === "user");
  const turnKey = createHash("sha1").update(JSON.stringify(messages)).digest("hex");
  return { model: String(body?.model ?? ""), userText: textOf(lastUser?.content), turnKey };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.fake.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const calls: ProxiedCall[] = [];
  const locks = new Map<string, Promise<void>>();
  const sockets = new Set<Socket>();

  /** Runs `fn` after every earlier holder of `key` released it; `fn` releases by settling. */
  function withLock(key: string, fn: () => Promise<void>): Promise<void> {
    const previous = locks.get(key) ?? Promise.resolve();
    const run = previous.then(() => fn().catch(() => undefined));
    locks.set(key, run);
    void run.finally(() => {
      if (locks.get(key) === run) locks.delete(key);
    });
    return run;
  }

  /** Forwards the request; resolves once the fake has started answering (or failed to). */
  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, call: ProxiedCall): Promise<void> {
    return new Promise<void>((started) => {
      const end = (ending: "complete" | "cut") => {
        if (call.endedAt !== undefined) return;
        call.endedAt = Date.now();
        call.ending = ending;
      };
      const headers = { ...req.headers, host: upstream.host, "content-length": String(body.length) };
      delete headers["transfer-encoding"];
      const upstreamReq = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
        (upstreamRes) => {
          started();
          call.status = upstreamRes.statusCode;
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.on("data", (chunk: Buffer) => res.write(chunk));
          upstreamRes.on("close", () => {
            if (upstreamRes.complete && !res.destroyed) {
              end("complete");
              res.end();
            } else {
              end("cut");
              res.destroy();
            }
          });
        },
      );
      // The client went away (a killed gateway, an aborted turn): so does the request to the fake.
      res.on("close", () => {
        if (!res.writableFinished) upstreamReq.destroy();
      });
      upstreamReq.on("error", () => {
        started();
        end("cut");
        res.destroy();
      });
      upstreamReq.end(body);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const credential = credentialOf(req.headers);
    const described = describeBody(body.toString("utf8"));
    const call: ProxiedCall = { seq: calls.length, credential, ...described, decision: { kind: "ok" }, startedAt: Date.now() };
    calls.push(call);
    await withLock(credential, async () => {
      try {
        call.decision = options.decide(call);
      } catch (err) {
        res.destroy();
        throw err;
      }
      const step = stepFor(call.decision, call.userText);
      if (step) options.fake.script(credential, step);
      await forward(req, res, body, call);
    });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    inFlight: (credential) => calls.filter((c) => c.endedAt === undefined && (credential === undefined || c.credential === credential)).length,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}
