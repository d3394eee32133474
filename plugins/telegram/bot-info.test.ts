import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GrammyError, HttpError } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/plugin-api.js";
import { startFakeTelegram } from "../../test/fakes/telegram/index.js";
import { isTokenRefused, readBotIdentity } from "./bot-info.js";
import { createTelegramPlugin } from "./plugin.js";
import { freePort } from "../../test/support/net.js";
import { createHarness } from "./test-harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "baton-telegram-getme-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A Bot API that accepts connections and never answers (a black-holed proxy). */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const startError = (plugin: ReturnType<typeof createTelegramPlugin>, harness: ReturnType<typeof createHarness>) =>
  plugin.start(harness.ctx).then(
    () => {
      cleanups.push(() => plugin.stop());
      return undefined;
    },
    (err: Error) => err,
  );

describe("isTokenRefused", () => {
  it("names 401 and 404 as refusals that waiting will not heal", () => {
    const answer = (error_code: number) => new GrammyError("x", { ok: false, error_code, description: "d" }, "getMe", {});
    expect(isTokenRefused(answer(401))).toBe(true);
    expect(isTokenRefused(answer(404))).toBe(true);
    expect(isTokenRefused(answer(502))).toBe(false);
    expect(isTokenRefused(answer(429))).toBe(false);
    expect(isTokenRefused(new HttpError("Network request for 'getMe' failed!", new Error("ECONNREFUSED")))).toBe(false);
    expect(isTokenRefused(new Error("something else"))).toBe(false);
  });
});

describe("readBotIdentity", () => {
  it("takes an integer id and a plain username, nothing else", () => {
    expect(readBotIdentity({ id: 42, is_bot: true, username: "BatonBot" })).toEqual({ id: 42, username: "BatonBot" });
    for (const odd of [null, "me", { id: "42", username: "BatonBot" }, { id: 42 }, { id: 4.2, username: "x" }, { id: 42, username: "a(b" }, { id: 42, username: "" }]) {
      expect(readBotIdentity(odd), JSON.stringify(odd)).toBeUndefined();
    }
  });
});

describe("telegram plugin: getMe at start is one bounded attempt", () => {
  it("starts when Telegram answers", async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url }, stateDir: await tempDir() });
    expect(await startError(createTelegramPlugin({ accountId: "default" }), harness)).toBeUndefined();
    expect(tg.calls.filter((c) => c.method === "getMe")).toHaveLength(1);
  });

  it("fails after one call when the Bot API answers 5xx, saying so with the token masked", async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    tg.failNext("getMe", { error_code: 502, description: "Bad Gateway" }, 5);
    const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url }, stateDir: await tempDir() });
    const err = await startError(createTelegramPlugin({ accountId: "default" }), harness);
    expect(err?.message).toMatch(/cannot reach the Telegram Bot API.*502: Bad Gateway/);
    expect(err?.message).toContain(maskSecret(tg.token));
    expect(err?.message).not.toContain(tg.token);
    expect(tg.calls.filter((c) => c.method === "getMe")).toHaveLength(1);
    // nothing keeps running after a failed start: no poll, no other call
    expect(tg.calls.map((c) => c.method)).toEqual(["getMe"]);
  });

  it("fails at once when nothing listens, and a 429 is not waited out", async () => {
    const token = "7000000002:AAUnreachableTokenUnreachable12345";
    const harness = createHarness({ config: { botToken: token, apiRoot: `http://127.0.0.1:${await freePort()}` }, stateDir: await tempDir() });
    const started = Date.now();
    const err = await startError(createTelegramPlugin({ accountId: "default" }), harness);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err?.message).toMatch(/cannot reach the Telegram Bot API with token 70000000…2345: .*(ECONNREFUSED|Network request)/);
    expect(err?.message).not.toContain(token);
    expect(harness.logText()).not.toContain(token);

    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    tg.failNext("getMe", { error_code: 429, description: "Too Many Requests: retry after 3600", retry_after: 3600 });
    const limited = createHarness({ config: { botToken: tg.token, apiRoot: tg.url }, stateDir: await tempDir() });
    expect((await startError(createTelegramPlugin({ accountId: "default" }), limited))?.message).toMatch(/429: Too Many Requests/);
  });

  it("gives up when the Bot API does not answer within the start deadline", async () => {
    const token = "7000000003:AASilentTokenSilentTokenSilent12345";
    const harness = createHarness({ config: { botToken: token, apiRoot: await silentServer() }, stateDir: await tempDir() });
    const started = Date.now();
    const err = await startError(createTelegramPlugin({ accountId: "default", connectTimeoutMs: 300 }), harness);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err?.message).toBe(`no answer from the Telegram Bot API within 300 ms while starting (token ${maskSecret(token)})`);
  });

  it("ends at once when the gateway stops while getMe hangs", async () => {
    const harness = createHarness({ config: { botToken: "7000000004:AAHangingTokenHangingTokenHang1234", apiRoot: await silentServer() }, stateDir: await tempDir() });
    const attempt = startError(createTelegramPlugin({ accountId: "default" }), harness);
    setTimeout(() => harness.abort(), 100);
    const started = Date.now();
    expect((await attempt)?.message).toMatch(/stopped while connecting/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("names a refused token as such", async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    const wrong = "7000000001:AAWrongTokenWrongTokenWrongToken12";
    const harness = createHarness({ config: { botToken: wrong, apiRoot: tg.url }, stateDir: await tempDir() });
    const err = await startError(createTelegramPlugin({ accountId: "default" }), harness);
    expect(err?.message).toMatch(/^Telegram refused the bot token 70000000…en12 \(.*401: Unauthorized\)\); check channels.telegram.botToken or TELEGRAM_BOT_TOKEN$/);
  });

  it("refuses a getMe answer without a usable identity", async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    tg.answerRaw("getMe", { status: 200, body: JSON.stringify({ ok: true, result: { id: 1, is_bot: true, first_name: "x" } }) });
    const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url }, stateDir: await tempDir() });
    expect((await startError(createTelegramPlugin({ accountId: "default" }), harness))?.message).toMatch(/without a usable bot id and username/);
  });
});
