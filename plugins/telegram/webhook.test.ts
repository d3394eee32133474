import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeTelegram } from "../../test/fakes/telegram/index.js";
import { createTelegramPlugin, type TelegramPluginOptions } from "./plugin.js";
import { freePort } from "../../test/support/net.js";
import { createHarness } from "./test-harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SECRET = "hook-secret_42";

async function startWebhookPlugin(options: { plugin?: Partial<TelegramPluginOptions>; host?: string | null } = {}) {
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const stateDir = await mkdtemp(join(tmpdir(), "baton-telegram-webhook-"));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  const webhook = {
    url: `http://127.0.0.1:${port}/telegram`,
    secret: SECRET,
    ...(options.host === null ? {} : { host: options.host ?? "127.0.0.1" }),
    port,
    path: "/telegram",
  };
  const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url, webhook }, stateDir });
  const plugin = createTelegramPlugin({ accountId: "default", ...options.plugin });
  await plugin.start(harness.ctx);
  cleanups.push(() => plugin.stop());
  return { tg, harness, plugin, webhook, port };
}

interface RawExchange {
  /** Everything the server sent. */
  response: string;
  /** The HTTP status of the first response line, if any. */
  status?: number;
  /** The server closed the connection (else the wait ran out first). */
  closed: boolean;
  ms: number;
}

/** Writes raw bytes to the webhook port (`write` may keep writing) and collects the answer until the server closes or `waitMs` passes. */
function rawExchange(port: number, write: (socket: Socket) => void, waitMs = 3000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    let response = "";
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
      resolve({ response, status: status ? Number(status) : undefined, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on("connect", () => write(socket));
    socket.on("data", (chunk) => (response += chunk.toString("latin1")));
    socket.on("close", () => finish(true));
    socket.on("error", () => undefined);
  });
}

const request = (target: string, { method = "POST", secret = SECRET as string | null, body = "", headers = "" } = {}) =>
  `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
  (secret === null ? "" : `X-Telegram-Bot-Api-Secret-Token: ${secret}\r\n`) +
  `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

/** Sends one update the right way and waits until the plugin dispatched it: the server still serves. */
async function stillServes(s: Awaited<ReturnType<typeof startWebhookPlugin>>, text: string): Promise<void> {
  const update = s.tg.pushUserMessage({ from: { id: 77, first_name: "Eve" }, text });
  expect(await s.tg.deliverViaWebhook(update)).toBe(200);
  await s.harness.waitForDispatch((m) => m.text === text, 5000);
}

describe("telegram plugin: webhook mode", () => {
  it("registers the webhook with its secret and the update types it handles", async () => {
    const { tg, webhook } = await startWebhookPlugin();
    expect(tg.webhook).toEqual({ url: webhook.url, secretToken: webhook.secret, allowedUpdates: ["message", "callback_query"] });
  });

  it("refuses updates without the right secret and dispatches the right one once", async () => {
    const { tg, harness, plugin, webhook } = await startWebhookPlugin();
    harness.accept = (m) => {
      plugin.send({ chatId: m.chatId }, { text: `got <i>${m.text}</i>`, plainText: `got ${m.text}` }).catch(() => undefined);
    };
    const update = tg.pushUserMessage({ from: { id: 77, first_name: "Eve" }, text: "via webhook" });
    expect(await tg.deliverViaWebhook(update, { secret: "wrong" })).toBe(401);
    expect(await tg.deliverViaWebhook(update, { secret: null })).toBe(401);
    expect(harness.dispatched).toEqual([]);
    const elsewhere = await fetch(`http://127.0.0.1:${webhook.port}/other`, { method: "POST", body: "{}" });
    expect(elsewhere.status).toBe(404);

    expect(await tg.deliverViaWebhook(update)).toBe(200);
    expect(harness.dispatched.map((m) => [m.chatId, m.text])).toEqual([["77", "via webhook"]]);
    expect((await tg.waitForSent((m) => m.chat_id === 77)).plain_text).toBe("got via webhook");
  });

  it("closes the endpoint on stop and leaves the webhook registered", async () => {
    const { tg, plugin, webhook } = await startWebhookPlugin();
    await plugin.stop();
    await expect(fetch(`http://127.0.0.1:${webhook.port}/telegram`, { method: "POST", body: "{}" })).rejects.toThrow();
    expect(tg.webhook?.url).toBe(webhook.url);
  });
});

describe("telegram webhook server: malformed requests get a 4xx and the server goes on", () => {
  it("answers a malformed request target (curl --request-target '//[') with 400", async () => {
    const s = await startWebhookPlugin();
    for (const target of ["//[", "//[/telegram", "*", "http://127.0.0.1/telegram", "telegram"]) {
      const exchange = await rawExchange(s.port, (socket) => socket.write(request(target, { body: "{}" })));
      expect(exchange.status, target).toBe(400);
    }
    // Neither an upgrade, a CONNECT, headers past node's limit nor bytes that are no HTTP end the server.
    await rawExchange(s.port, (socket) => socket.write(request("/telegram", { headers: "Upgrade: websocket\r\nConnection: Upgrade\r\n" })));
    await rawExchange(s.port, (socket) => socket.write("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n"));
    expect((await rawExchange(s.port, (socket) => socket.write(request("/telegram", { headers: `X-Big: ${"x".repeat(64 * 1024)}\r\n` })))).status).toBe(431);
    expect((await rawExchange(s.port, (socket) => socket.write("\u0000\u0001garbage\r\n\r\n"))).status).toBe(400);
    await stillServes(s, "after bad targets");
    expect(s.harness.logs.filter((e) => e.level === "error")).toEqual([]);
  });

  it("answers another method with 405, another path with 404, a missing or wrong secret with 401", async () => {
    const s = await startWebhookPlugin();
    const get = await rawExchange(s.port, (socket) => socket.write(request("/telegram", { method: "GET" })));
    expect(get.status).toBe(405);
    expect(get.response).toMatch(/\r\nallow: POST\r\n/i);
    expect((await rawExchange(s.port, (socket) => socket.write(request("/telegram/x", { body: "{}" })))).status).toBe(404);
    expect((await rawExchange(s.port, (socket) => socket.write(request("/", { method: "DELETE" })))).status).toBe(404);
    expect((await rawExchange(s.port, (socket) => socket.write(request("/telegram", { secret: null, body: "{}" })))).status).toBe(401);
    expect((await rawExchange(s.port, (socket) => socket.write(request("/telegram", { secret: `${SECRET}x`, body: "{}" })))).status).toBe(401);
    await stillServes(s, "after wrong requests");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["after wrong requests"]);
  });

  it("answers a body that is not an update with 400", async () => {
    const s = await startWebhookPlugin();
    for (const body of ["{ not json", "", "null", "[]", '"text"', "42", '{"message":{}}', '{"update_id":"7"}', '{"update_id":1.5}', '{"update_id":-1}']) {
      const exchange = await rawExchange(s.port, (socket) => socket.write(request("/telegram", { body })));
      expect(exchange.status, body).toBe(400);
    }
    await stillServes(s, "after bad bodies");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["after bad bodies"]);
  });

  it("answers a body over the cap with 413 without reading it, declared or streamed", async () => {
    const s = await startWebhookPlugin();
    // Declared 2 MiB (default cap 1 MiB): refused from the headers; the client never sends the rest.
    const declared = await rawExchange(s.port, (socket) =>
      socket.write(`POST /telegram HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: ${SECRET}\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n{"update_id":`),
    );
    expect(declared).toMatchObject({ status: 413, closed: true });
    expect(declared.ms).toBeLessThan(1000);

    // Chunked, no length given: refused once the cap is passed, connection closed.
    const streamed = await rawExchange(s.port, (socket) => {
      socket.write(`POST /telegram HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: ${SECRET}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = "x".repeat(64 * 1024);
      for (let n = 0; n < 20; n++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(streamed).toMatchObject({ status: 413, closed: true });
    await stillServes(s, "after big bodies");
  });

  it("closes connections that send their headers too slowly (slow loris) or never finish the body", async () => {
    const s = await startWebhookPlugin({ plugin: { webhookLimits: { headersTimeoutMs: 300, bodyTimeoutMs: 300 } } });
    const drips: Array<Promise<RawExchange>> = [];
    for (let n = 0; n < 10; n++) {
      drips.push(
        rawExchange(s.port, (socket) => {
          socket.write("POST /telegram HTTP/1.1\r\n");
          const drip = setInterval(() => socket.write("X-Slow: 1\r\n"), 50);
          socket.on("close", () => clearInterval(drip));
        }),
      );
    }
    const silent = rawExchange(s.port, () => undefined);
    const slowBody = rawExchange(s.port, (socket) =>
      socket.write(`POST /telegram HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: ${SECRET}\r\nContent-Length: 100\r\n\r\n{"update_id":`),
    );
    for (const exchange of [...(await Promise.all(drips)), await silent]) {
      expect(exchange.closed).toBe(true);
      expect(exchange.ms).toBeLessThan(2000);
    }
    expect(await slowBody).toMatchObject({ status: 408, closed: true });
    await stillServes(s, "after slow clients");
  });

  it("answers 200 when handling takes longer than the handler deadline, and keeps handling", async () => {
    const s = await startWebhookPlugin({ plugin: { webhookLimits: { handlerTimeoutMs: 200 } } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    s.harness.accept = (m) => (m.text === "slow" ? held : undefined);
    const slow = s.tg.pushUserMessage({ from: { id: 78 }, text: "slow" });
    const started = Date.now();
    expect(await s.tg.deliverViaWebhook(slow)).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    release();
    await stillServes(s, "after a slow one");
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

  it.skipIf(!external)("binds 127.0.0.1 when no host is configured", async () => {
    const s = await startWebhookPlugin({ host: null });
    await stillServes(s, "on loopback");
    const error = await new Promise<string>((resolve) => {
      const socket = connect(s.port, external!);
      socket.on("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    });
    expect(error).toBe("ECONNREFUSED");
  });
});
