import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeTelegram } from "../../test/fakes/telegram/index.js";
import { createTelegramPlugin } from "./plugin.js";
import { createHarness, freePort } from "./test-harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startWebhookPlugin() {
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const stateDir = await mkdtemp(join(tmpdir(), "baton-telegram-webhook-"));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  const webhook = { url: `http://127.0.0.1:${port}/telegram`, secret: "hook-secret_42", host: "127.0.0.1", port, path: "/telegram" };
  const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url, webhook }, stateDir });
  const plugin = createTelegramPlugin({ accountId: "default" });
  await plugin.start(harness.ctx);
  cleanups.push(() => plugin.stop());
  return { tg, harness, plugin, webhook };
}

describe("telegram plugin: webhook mode", () => {
  it("registers the webhook with its secret and the update types it handles", async () => {
    const { tg, webhook } = await startWebhookPlugin();
    expect(tg.webhook).toEqual({ url: webhook.url, secretToken: webhook.secret, allowedUpdates: ["message", "callback_query"] });
  });

  it("refuses updates without the right secret and dispatches the right one once", async () => {
    const { tg, harness, plugin, webhook } = await startWebhookPlugin();
    harness.onDispatch = (m) => {
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
