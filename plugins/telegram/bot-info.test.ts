import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GrammyError, HttpError } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/plugin-api.js";
import { startFakeTelegram } from "../../test/fakes/telegram/index.js";
import { GET_ME_RETRY, isTransientFailure, retryDelayMs } from "./bot-info.js";
import { createTelegramPlugin } from "./plugin.js";
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

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const fast = { firstMs: 10, maxMs: 40 };
const retryWarnings = (logs: { level: string; msg: string; fields?: Record<string, unknown> }[]) =>
  logs.filter((e) => e.level === "warn" && /cannot reach the Bot API/.test(e.msg));

describe("retryDelayMs", () => {
  it("doubles from the first pause up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => retryDelayMs(n, GET_ME_RETRY))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });
});

describe("isTransientFailure", () => {
  it("waits out network errors, 5xx and 429, not a refused token", () => {
    const answer = (error_code: number) => new GrammyError("x", { ok: false, error_code, description: "d" }, "getMe", {});
    expect(isTransientFailure(new HttpError("Network request for 'getMe' failed!", new Error("ECONNREFUSED")))).toBe(true);
    expect(isTransientFailure(answer(502))).toBe(true);
    expect(isTransientFailure(answer(429))).toBe(true);
    expect(isTransientFailure(answer(401))).toBe(false);
    expect(isTransientFailure(answer(404))).toBe(false);
    expect(isTransientFailure(new Error("something else"))).toBe(false);
  });
});

describe("telegram plugin: getMe at start", () => {
  it("logs each failed attempt with the token masked and starts once Telegram answers", async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    tg.failNext("getMe", { error_code: 502, description: "Bad Gateway" }, 2);
    const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url }, stateDir: await tempDir() });
    const plugin = createTelegramPlugin({ accountId: "default", connectRetry: fast });
    await plugin.start(harness.ctx);
    cleanups.push(() => plugin.stop());
    expect(retryWarnings(harness.logs).map((e) => e.fields)).toEqual([
      { token: maskSecret(tg.token), attempt: 1, retryInMs: 10, error: expect.stringMatching(/502.*Bad Gateway/) },
      { token: maskSecret(tg.token), attempt: 2, retryInMs: 20, error: expect.stringMatching(/502.*Bad Gateway/) },
    ]);
    expect(tg.calls.filter((c) => c.method === "getMe")).toHaveLength(3);
    expect(harness.logText()).not.toContain(tg.token);
  });

  it("waits as long as a 429 asks", async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    tg.failNext("getMe", { error_code: 429, description: "Too Many Requests: retry after 1", retry_after: 1 });
    const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url }, stateDir: await tempDir() });
    const plugin = createTelegramPlugin({ accountId: "default", connectRetry: fast });
    await plugin.start(harness.ctx);
    cleanups.push(() => plugin.stop());
    expect(retryWarnings(harness.logs).map((e) => e.fields?.retryInMs)).toEqual([1000]);
  });

  it("keeps trying an unreachable Bot API, backing off to the cap, until the gateway stops", async () => {
    const token = "7000000002:AAUnreachableTokenUnreachable12345";
    const harness = createHarness({ config: { botToken: token, apiRoot: `http://127.0.0.1:${await closedPort()}` }, stateDir: await tempDir() });
    const plugin = createTelegramPlugin({ accountId: "default", connectRetry: fast });
    const started = plugin.start(harness.ctx).then(
      () => undefined,
      (err: Error) => err,
    );
    await harness.waitForLog(() => retryWarnings(harness.logs).length >= 5);
    expect(retryWarnings(harness.logs).slice(0, 5).map((e) => e.fields?.retryInMs)).toEqual([10, 20, 40, 40, 40]);
    expect(retryWarnings(harness.logs)[0].fields?.error).toMatch(/ECONNREFUSED|Network request/);
    harness.abort();
    const err = await started;
    expect(err?.message).toMatch(/stopped while connecting/);
    expect(harness.logText()).not.toContain(token);
    expect(harness.logText()).toContain(maskSecret(token));
  });

  it("fails at once when Telegram refuses the token", async () => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    const wrong = "7000000001:AAWrongTokenWrongTokenWrongToken12";
    const harness = createHarness({ config: { botToken: wrong, apiRoot: tg.url }, stateDir: await tempDir() });
    const err = (await createTelegramPlugin({ accountId: "default", connectRetry: fast }).start(harness.ctx).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/Unauthorized/);
    expect(retryWarnings(harness.logs)).toEqual([]);
  });
});
