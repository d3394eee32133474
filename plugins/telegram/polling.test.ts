import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Settlement } from "../../src/plugin-api.js";
import { type FakeTelegram, type RawAnswer } from "../../test/fakes/telegram/index.js";
import type { JournalFile } from "./pending-journal.js";
import { createTelegramPlugin, type TelegramPluginOptions } from "./plugin.js";
import { createHarness, telegramTestRig, type Harness } from "./test-harness.js";

/**
 * Long polling against a Bot API that misbehaves, through the real plugin, grammY and the runner:
 * 409 Conflict (another poller) ends the channel through ctx.fail, everything else is waited out.
 */

const alice = { id: 1001, first_name: "Alice" };

const { cleanups, fakeTelegram, tempDir } = telegramTestRig("baton-telegram-polling-");

const fastBackoff = { firstMs: 20, maxMs: 80, maxRetryAfterMs: 100 };

async function startPlugin(tg: FakeTelegram, stateDir: string, options: { plugin?: Partial<TelegramPluginOptions>; configure?: (h: Harness) => void } = {}) {
  const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url, commands: { menu: false } }, stateDir });
  options.configure?.(harness);
  const plugin = createTelegramPlugin({ accountId: "default", pollBackoff: fastBackoff, ...options.plugin });
  await plugin.start(harness.ctx);
  cleanups.push(() => plugin.stop());
  return { harness, plugin };
}

/** The core has not finished with the message (a long turn). */
const never = () => new Promise<Settlement>(() => undefined);
const journalIds = async (stateDir: string) =>
  (JSON.parse(await readFile(join(stateDir, "pending.json"), "utf8")) as JournalFile).updates.map((u) => u.update_id);
const getUpdatesCalls = (tg: FakeTelegram) => tg.calls.filter((c) => c.method === "getUpdates").length;
const CONFLICT = { error_code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" };

describe("telegram polling: 409 Conflict", () => {
  it("reports it through ctx.fail, stops polling, keeps the journal, and a fresh instance recovers once it ends", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const first = await startPlugin(tg, stateDir, { configure: (h) => (h.handle = never) });
    await tg.waitFor(() => tg.pollWaiting, 5000, "a pending long poll");
    tg.failNext("getUpdates", CONFLICT, 2);
    const held = tg.pushUserMessage({ from: alice, text: "held" });
    await first.harness.waitForDispatch((m) => m.text === "held");

    const failure = (await first.harness.waitForFailure()) as Error;
    expect(failure.message).toMatch(/409: Conflict: terminated by other getUpdates request/);
    expect(failure.message).not.toContain(tg.token);
    expect(first.harness.logText()).not.toContain(tg.token);
    const polls = getUpdatesCalls(tg);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(getUpdatesCalls(tg)).toBe(polls); // polling has ended: no retry loop behind the gateway's back

    // The gateway stops the failed instance: cleanly, and the unanswered message stays journaled.
    const stopped = Date.now();
    await first.plugin.stop();
    expect(Date.now() - stopped).toBeLessThan(1000);
    expect(await journalIds(stateDir)).toContain(held.update_id);
    expect(first.harness.failures).toHaveLength(1);

    // ...and starts a fresh one with backoff; the conflict is still on for one more call.
    const second = await startPlugin(tg, stateDir, { configure: (h) => (h.handle = never) });
    await second.harness.waitForDispatch((m) => m.text === "held");
    await second.harness.waitForFailure();
    await second.plugin.stop();

    // The other poller is gone: the next instance replays what is pending and polls on.
    const third = await startPlugin(tg, stateDir);
    await third.harness.waitForDispatch((m) => m.text === "held");
    tg.pushUserMessage({ from: alice, text: "after the conflict" });
    await third.harness.waitForDispatch((m) => m.text === "after the conflict");
    expect(third.harness.failures).toEqual([]);
  });

  it("the older of two processes polling one token gets the 409; the newer polls on", async () => {
    const tg = await fakeTelegram();
    const old = await startPlugin(tg, await tempDir());
    await tg.waitFor(() => tg.pollWaiting, 5000, "the old process's long poll");
    const fresh = await startPlugin(tg, await tempDir());
    expect(String(await old.harness.waitForFailure())).toMatch(/409: Conflict/);
    await old.plugin.stop();
    tg.pushUserMessage({ from: alice, text: "who answers?" });
    await fresh.harness.waitForDispatch((m) => m.text === "who answers?");
    expect(old.harness.dispatched).toEqual([]);
    expect(fresh.harness.failures).toEqual([]);
  });
});

describe("telegram polling: odd answers are waited out", () => {
  it("goes on after answers that are no list of updates, bodies without description, non-JSON and a day's retry_after", async () => {
    const tg = await fakeTelegram();
    const odd: RawAnswer[] = [
      { status: 200, body: JSON.stringify({ ok: true, result: { not: "a list" } }) },
      { status: 200, body: JSON.stringify({ ok: true }) },
      { status: 200, body: "null" },
      { status: 200, body: JSON.stringify({ ok: true, result: [1, "x", null, { no_update_id: true }, { update_id: "7" }] }) },
      { status: 500, body: JSON.stringify({ message: "upstream down" }) },
      { status: 502, body: "<html><body>Bad Gateway</body></html>", contentType: "text/html" },
      { status: 200, body: "" },
      { status: 429, body: JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests: retry after 86400", parameters: { retry_after: 86_400 } }) },
    ];
    for (const answer of odd) tg.answerRaw("getUpdates", answer);
    const started = Date.now();
    const s = await startPlugin(tg, await tempDir());
    tg.pushUserMessage({ from: alice, text: "still polling?" });
    await s.harness.waitForDispatch((m) => m.text === "still polling?");
    expect(Date.now() - started).toBeLessThan(5000);

    const warnings = s.harness.logs.filter((e) => e.level === "warn" && /getUpdates failed/.test(e.msg));
    expect(warnings).toHaveLength(odd.length);
    expect(warnings.map((e) => e.fields?.error)).toEqual([
      expect.stringMatching(/not a list of updates/),
      expect.stringMatching(/not a list of updates/),
      expect.anything(), // grammY itself chokes on a null body
      expect.stringMatching(/no usable update/),
      expect.stringMatching(/without an error code or description/),
      expect.stringMatching(/Network request for 'getUpdates' failed/),
      expect.stringMatching(/Network request for 'getUpdates' failed/),
      expect.stringMatching(/429: Too Many Requests/),
    ]);
    // The day asked for is capped (here at 100 ms).
    expect(warnings[7].fields?.retryInMs).toBe(100);
    expect(s.harness.failures).toEqual([]);
    expect(s.harness.logs.filter((e) => e.level === "error")).toEqual([]);
    expect(s.harness.logText()).not.toContain(tg.token);
  });

  it("does not answer again updates a broken Bot API sends below the offset it was given", async () => {
    const tg = await fakeTelegram();
    const s = await startPlugin(tg, await tempDir());
    const first = tg.pushUserMessage({ from: alice, text: "once" });
    await s.harness.waitForDispatch((m) => m.text === "once");
    await tg.waitFor(() => tg.pollWaiting, 5000, "the next long poll");
    // The next calls get the old update again (twice), then the fake behaves.
    tg.answerRaw("getUpdates", { status: 200, body: JSON.stringify({ ok: true, result: [first] }) }, 2);
    tg.pushUserMessage({ from: alice, text: "wake the poll" }); // ends the pending poll; the raw answers come next
    await s.harness.waitForDispatch((m) => m.text === "wake the poll");
    tg.pushUserMessage({ from: alice, text: "later" });
    await s.harness.waitForDispatch((m) => m.text === "later");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["once", "wake the poll", "later"]);
    expect(s.harness.logs.some((e) => /cannot be handled/.test(e.msg) && e.fields?.alreadyConfirmed === 1)).toBe(true);
  });

  it("stops at once while waiting out a 429, however long it asked for", async () => {
    const tg = await fakeTelegram();
    tg.answerRaw("getUpdates", {
      status: 429,
      body: JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests: retry after 86400", parameters: { retry_after: 86_400 } }),
    });
    const s = await startPlugin(tg, await tempDir(), { plugin: { pollBackoff: undefined } });
    const warning = await s.harness.waitForLog((e) => /getUpdates failed/.test(e.msg));
    expect(warning.fields?.retryInMs).toBe(60_000);
    const stopping = Date.now();
    await s.plugin.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
  });

  it("leaves out an update far larger than Telegram makes, confirms it, and answers the next", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const s = await startPlugin(tg, stateDir, { configure: (h) => (h.handle = never) });
    const huge = tg.pushUserMessage({ from: alice, text: "x".repeat(1024 * 1024 + 1) });
    tg.pushUserMessage({ from: alice, text: "normal" });
    await s.harness.waitForDispatch((m) => m.text === "normal");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["normal"]);
    const warning = s.harness.logs.find((e) => /cannot be handled/.test(e.msg));
    expect(warning?.fields).toMatchObject({ oversizedUpdateIds: [huge.update_id] });
    await tg.waitFor(() => !tg.pendingUpdates.some((u) => u.update_id === huge.update_id), 5000, "the huge update to be confirmed");
    await s.plugin.stop();
    expect((await readFile(join(stateDir, "pending.json"), "utf8")).length).toBeLessThan(10_000);
  });
});

describe("telegram polling: updates that fail", () => {
  it("logs a message whose dispatch throws, does not keep it for a replay, and answers the next", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const s = await startPlugin(tg, stateDir, {
      configure: (h) =>
        (h.accept = (m) => {
          if (m.text === "boom") throw new Error("the core fell over");
        }),
    });
    const boom = tg.pushUserMessage({ from: alice, text: "boom" });
    tg.pushUserMessage({ from: alice, text: "next" });
    await s.harness.waitForDispatch((m) => m.text === "next");
    const report = await s.harness.waitForLog((e) => e.level === "error" && /dispatch failed/.test(e.msg));
    expect(report.fields?.error).toMatch(/the core fell over/);
    await s.plugin.stop();
    expect(await journalIds(stateDir)).not.toContain(boom.update_id);
  });

  it("replays a journal of odd updates without an error and polls on", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const odd = [
      { update_id: 5, message: { message_id: 1, date: 1, chat: { id: { toString: 1 }, type: "private" }, from: { id: 1 }, text: "x" } },
      { update_id: 6, message: "not a message" },
      { update_id: 7, callback_query: { id: 9, data: "/model", message: 5, from: null } },
      { update_id: 8, message: { message_id: 2, date: 1, chat: { id: 1001, type: "private", is_forum: "yes" }, from: { id: 1001 }, is_topic_message: true, message_thread_id: { a: 1 }, text: "odd topic" } },
    ];
    const journal: JournalFile = { version: 1, lastUpdateId: 8, updates: odd as unknown as JournalFile["updates"] };
    await writeFile(join(stateDir, "pending.json"), JSON.stringify(journal));
    const s = await startPlugin(tg, stateDir);
    tg.pushUserMessage({ from: alice, text: "after the odd ones" });
    await s.harness.waitForDispatch((m) => m.text === "after the odd ones");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["odd topic", "after the odd ones"]);
    expect(s.harness.failures).toEqual([]);
  });
});
