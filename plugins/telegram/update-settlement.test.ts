import { readFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ChannelPlugin, Settlement } from "../../src/plugin-api.js";
import { type FakeTelegram } from "../../test/fakes/telegram/index.js";
import type { JournalFile } from "./pending-journal.js";
import { createTelegramPlugin } from "./plugin.js";
import { freePort } from "../../test/support/net.js";
import { createHarness, telegramTestRig, type Harness } from "./test-harness.js";

/**
 * At-least-once delivery through the real plugin and grammY, against the Telegram fake: the
 * pending-update journal, its replay on start, and the de-duplication around it.
 */

const alice = { id: 1001, first_name: "Alice" };
const bob = { id: 1002, first_name: "Bob" };

const { cleanups, fakeTelegram, tempDir } = telegramTestRig("baton-telegram-delivery-");

/** A promise the test never resolves: the core has not finished with the message. */
const never = () => new Promise<Settlement>(() => undefined);

/** Lets callbacks already due (e.g. a receipt settled at once) run before the next step. */
const afterPendingCallbacks = () => new Promise((resolve) => setImmediate(resolve));

async function startPlugin(tg: FakeTelegram, stateDir: string, config: Record<string, unknown> = {}, configure?: (h: Harness) => void) {
  const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url, commands: { menu: false }, ...config }, stateDir });
  configure?.(harness);
  const plugin: ChannelPlugin = createTelegramPlugin({ accountId: "default" });
  await plugin.start(harness.ctx);
  cleanups.push(() => plugin.stop());
  return { harness, plugin };
}

const journalIn = async (stateDir: string) => JSON.parse(await readFile(join(stateDir, "pending.json"), "utf8")) as JournalFile;
const texts = (h: Harness) => h.dispatched.map((m) => m.text);

describe("telegram delivery: long polling", () => {
  it("journals each batch before the getUpdates that makes Telegram forget it", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    await startPlugin(tg, stateDir, {}, (h) => (h.handle = never));
    const update = tg.pushUserMessage({ from: alice, text: "keep me" });
    // Read the journal at the very moment the confirming call arrives (the fake runs this check synchronously).
    const journaledAtConfirm = await tg.waitFor(() => {
      const confirm = tg.calls.find((c) => c.method === "getUpdates" && Number(c.params.offset) > update.update_id);
      if (!confirm) return undefined;
      try {
        const file = JSON.parse(readFileSync(join(stateDir, "pending.json"), "utf8")) as JournalFile;
        return file.updates.map((u) => u.update_id);
      } catch (err) {
        return [`no journal: ${(err as Error).message}`];
      }
    }, 5000, "the confirming getUpdates");
    expect(journaledAtConfirm).toEqual([update.update_id]);
  });

  it("keeps what the core has not finished with and hands it over first after a restart", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const first = await startPlugin(tg, stateDir, {}, (h) => (h.handle = (m) => (m.text === "answered" ? Promise.resolve("done" as const) : never())));
    const answered = tg.pushUserMessage({ from: alice, text: "answered" });
    const held = [tg.pushUserMessage({ from: alice, text: "held 1" }), tg.pushUserMessage({ from: bob, text: "held 2" })];
    await first.harness.waitForDispatch((m) => m.text === "held 2");
    await first.harness.waitForDispatch((m) => m.text === "held 1");
    await afterPendingCallbacks();
    await first.plugin.stop();
    const journal = await journalIn(stateDir);
    expect(journal.updates.map((u) => u.update_id)).toEqual(held.map((u) => u.update_id));
    expect(journal.lastUpdateId).toBe(held[1].update_id);
    expect(journal.updates[0]).toEqual(JSON.parse(JSON.stringify(held[0]))); // the raw update, as Telegram sent it

    tg.pushUserMessage({ from: alice, text: "new" }); // arrives while the gateway is down
    const second = await startPlugin(tg, stateDir);
    await second.harness.waitForDispatch((m) => m.text === "new");
    expect(texts(second.harness)).toEqual(["held 1", "held 2", "new"]);
    expect(second.harness.dispatched[0]).toEqual(first.harness.dispatched.find((m) => m.text === "held 1")); // same normalization
    expect(texts(second.harness)).not.toContain(answered.message?.text);
    await afterPendingCallbacks();
    await second.plugin.stop();
    expect((await journalIn(stateDir)).updates).toEqual([]);
  });

  it("keeps a message the core abandoned in a shutdown and hands it over again after the restart", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const first = await startPlugin(tg, stateDir, {}, (h) => (h.handle = (m) => Promise.resolve(m.text === "cut off" ? ("abandoned" as const) : ("done" as const))));
    tg.pushUserMessage({ from: alice, text: "answered" });
    const cutOff = tg.pushUserMessage({ from: bob, text: "cut off" });
    await first.harness.waitForDispatch((m) => m.text === "cut off");
    await first.harness.waitForDispatch((m) => m.text === "answered");
    await afterPendingCallbacks();
    await first.plugin.stop();
    expect((await journalIn(stateDir)).updates.map((u) => u.update_id)).toEqual([cutOff.update_id]);
    const second = await startPlugin(tg, stateDir);
    await second.harness.waitForDispatch((m) => m.text === "cut off");
    expect(texts(second.harness)).toEqual(["cut off"]);
    await afterPendingCallbacks();
    await second.plugin.stop();
  });

  it("does not take back from Telegram what the journal already holds (killed after the journal write)", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    // As a process killed between writing the journal and confirming the batch leaves it:
    // Telegram still has the update, the journal has it too, offset.json never heard of it.
    const update = tg.pushUserMessage({ from: alice, text: "journaled, not confirmed" });
    await writeFile(join(stateDir, "pending.json"), JSON.stringify({ version: 1, lastUpdateId: update.update_id, updates: [update] }));
    const s = await startPlugin(tg, stateDir);
    tg.pushUserMessage({ from: alice, text: "next" });
    await s.harness.waitForDispatch((m) => m.text === "next");
    expect(texts(s.harness)).toEqual(["journaled, not confirmed", "next"]);
    const firstPoll = tg.calls.find((c) => c.method === "getUpdates");
    expect(Number(firstPoll?.params.offset)).toBe(update.update_id + 1);
  });

  it("forgets an update once every message it led to is settled", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    let finish!: (settlement: Settlement) => void;
    const finished = new Promise<Settlement>((resolve) => (finish = resolve));
    const s = await startPlugin(tg, stateDir, {}, (h) => (h.handle = () => finished));
    const update = tg.pushUserMessage({ from: alice, text: "slow turn" });
    await s.harness.waitForDispatch(() => true);
    expect((await journalIn(stateDir)).updates.map((u) => u.update_id)).toEqual([update.update_id]);
    finish("done");
    await afterPendingCallbacks();
    await s.plugin.stop();
    expect((await journalIn(stateDir)).updates).toEqual([]);
  });

  it("starts with a damaged journal moved aside and reported", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    await writeFile(join(stateDir, "pending.json"), '{"version":1,"updates":[{"update_id":');
    const s = await startPlugin(tg, stateDir);
    const report = s.harness.logs.find((e) => e.level === "error" && /journal was damaged/.test(e.msg));
    expect(report?.fields).toMatchObject({ path: join(stateDir, "pending.json"), movedTo: expect.stringMatching(/pending\.json\.corrupt-\d+$/) });
    expect((await readdir(stateDir)).filter((n) => n.startsWith("pending.json.corrupt-"))).toHaveLength(1);
    tg.pushUserMessage({ from: alice, text: "still works" });
    await s.harness.waitForDispatch((m) => m.text === "still works");
  });
});

describe("telegram delivery: webhook", () => {
  it("journals before answering Telegram, skips a re-sent pending update, and replays it after a restart", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const port = await freePort();
    const webhook = { url: `http://127.0.0.1:${port}/telegram`, secret: "hook-secret_42", host: "127.0.0.1", port, path: "/telegram" };
    const first = await startPlugin(tg, stateDir, { webhook }, (h) => (h.handle = never));
    const update = tg.pushUserMessage({ from: alice, text: "via webhook" });
    expect(await tg.deliverViaWebhook(update)).toBe(200);
    expect((await journalIn(stateDir)).updates.map((u) => u.update_id)).toEqual([update.update_id]);
    expect(await tg.deliverViaWebhook(update)).toBe(200); // Telegram did not get the first 200 and sends it again
    expect(texts(first.harness)).toEqual(["via webhook"]);
    await first.plugin.stop();

    const second = await startPlugin(tg, stateDir, { webhook }, (h) => (h.handle = (m) => (m.text === "via webhook" ? never() : Promise.resolve("done" as const))));
    expect(texts(second.harness)).toEqual(["via webhook"]); // replayed during start, before the endpoint opened
    expect(await tg.deliverViaWebhook(update)).toBe(200); // still pending in the new run: skipped again
    const next = tg.pushUserMessage({ from: alice, text: "next" });
    expect(await tg.deliverViaWebhook(next)).toBe(200);
    expect(texts(second.harness)).toEqual(["via webhook", "next"]);
  });
});
