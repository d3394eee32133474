import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram, type FakeTelegramOptions } from "../../test/fakes/telegram/index.js";
import { safeFileName } from "./outbound.js";
import { createTelegramPlugin, type TelegramPluginOptions } from "./plugin.js";
import { createHarness } from "./test-harness.js";

/** Files, links and odd answers on the way out, through the real plugin and grammY against the fake. */

const alice = { id: 1001, first_name: "Alice" };
const forum = { id: -3001, type: "supergroup" as const, title: "Forum", is_forum: true };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Flood limits out of the way unless a test is about them. */
const unlimited = { fake: { limits: { perChat: false, perGroup: false, global: false } }, plugin: { limits: { perChat: { limit: 100, intervalMs: 10 } } } } as const;

async function setup(options: { fake?: FakeTelegramOptions; plugin?: Partial<TelegramPluginOptions> } = unlimited) {
  const tg: FakeTelegram = await startFakeTelegram(options.fake);
  cleanups.push(() => tg.close());
  const stateDir = await mkdtemp(join(tmpdir(), "baton-telegram-outbound-"));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const harness = createHarness({ config: { botToken: tg.token, apiRoot: tg.url, commands: { menu: false } }, stateDir });
  const plugin = createTelegramPlugin({ accountId: "default", ...options.plugin });
  await plugin.start(harness.ctx);
  cleanups.push(() => plugin.stop());
  return { tg, harness, plugin };
}

describe("telegram plugin: sendFile", () => {
  it("uploads the text as a document with its name and caption, into the topic, replying", async () => {
    const { tg, harness, plugin } = await setup();
    tg.pushUserMessage({ chat: forum, from: alice, text: "long one please", message_thread_id: 7 });
    const asked = await harness.waitForDispatch(() => true);
    const content = `# The rest of the reply\n\n${"Ünïcödé 🎉 line\n".repeat(2000)}`;
    const sent = await plugin.sendFile!(
      { chatId: asked.chatId, topicId: asked.topicId, replyToMessageId: asked.messageId },
      { name: "reply.md", content, caption: "The rest of the reply is attached." },
    );
    expect(tg.documents).toHaveLength(1);
    const [document] = tg.documents;
    expect(document).toMatchObject({
      chat_id: forum.id,
      message_id: Number(sent.messageId),
      message_thread_id: 7,
      file_name: "reply.md",
      caption: "The rest of the reply is attached.",
      reply_to_message_id: Number(asked.messageId),
    });
    expect(document.content.toString("utf8")).toBe(content);
    expect(tg.calls.find((c) => c.method === "sendDocument")?.errorCode).toBeUndefined();
  });

  it("goes through the per-chat limiter: a part and a file to one chat keep their order without a 429", async () => {
    const { tg, plugin } = await setup({ fake: { limits: { perChat: { limit: 1, intervalMs: 300, burst: 1 } } }, plugin: { limits: { perChat: { limit: 1, intervalMs: 300 } } } });
    tg.addChat({ id: alice.id });
    const target = { chatId: String(alice.id) };
    await Promise.all([
      plugin.send(target, { text: "part 1", plainText: "part 1" }),
      plugin.sendFile!(target, { name: "reply.md", content: "the rest" }),
      plugin.send(target, { text: "after", plainText: "after" }),
    ]);
    expect(tg.count429).toBe(0);
    const order = tg.calls.filter((c) => c.method === "sendMessage" || c.method === "sendDocument").map((c) => c.method);
    expect(order).toEqual(["sendMessage", "sendDocument", "sendMessage"]);
  });

  it("keeps a caption within Telegram's 1024 characters and a file name within what headers take", async () => {
    const { tg, plugin } = await setup();
    tg.addChat({ id: alice.id });
    await plugin.sendFile!({ chatId: String(alice.id) }, { name: 'my\r\n"reply".md', content: "x", caption: "c".repeat(5000) });
    expect(tg.documents[0]).toMatchObject({ file_name: "myreply.md" });
    expect(tg.documents[0].caption).toHaveLength(1024);
    expect(safeFileName("../../etc/passwd")).toBe("....etcpasswd");
    expect(safeFileName("\u0000")).toBe("file.txt");
  });

  it("fails like a send when Telegram refuses the file", async () => {
    const { plugin } = await setup();
    const err = await plugin.sendFile!({ chatId: "999" }, { name: "reply.md", content: "x" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/chat not found/);
  });
});

describe("telegram plugin: tg:// links are never mentions", () => {
  it("sends the label of a tg://user link as text, in sends and edits", async () => {
    const { tg, plugin } = await setup();
    tg.addChat({ id: alice.id });
    const target = { chatId: String(alice.id) };
    const html = 'ask <a href="tg://user?id=42">the admin</a> or <a href=" TG://user?id=43">them</a>, see <a href="https://example.com">docs</a>';
    const { messageId } = await plugin.send(target, { text: html, plainText: "ask the admin or them, see docs" });
    await plugin.edit!(target, messageId, { text: `${html} (edited)`, plainText: "edited" });
    expect(tg.sent).toHaveLength(2);
    for (const record of tg.sent) {
      expect(record.entities.map((e) => e.type)).toEqual(["text_link"]);
      expect(record.plain_text).toMatch(/^ask the admin or them, see docs/);
    }
    // the fake does turn such a link into a mention, as Telegram does
    const direct = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: alice.id, text: '<a href="tg://user?id=42">x</a>', parse_mode: "HTML" }),
    });
    expect(((await direct.json()) as { result: { entities: Array<{ type: string }> } }).result.entities[0].type).toBe("text_mention");
  });
});

describe("telegram plugin: odd answers to a send", () => {
  it("fails a send whose answer has no message id instead of inventing one", async () => {
    const { tg, plugin } = await setup();
    tg.addChat({ id: alice.id });
    tg.answerRaw("sendMessage", { status: 200, body: JSON.stringify({ ok: true, result: true }) });
    tg.answerRaw("sendMessage", { status: 500, body: JSON.stringify({ message: "upstream down" }) });
    const target = { chatId: String(alice.id) };
    await expect(plugin.send(target, { text: "a", plainText: "a" })).rejects.toThrow(/without a message id/);
    await expect(plugin.send(target, { text: "b", plainText: "b" })).rejects.toThrow(/without an error code or description/);
    expect((await plugin.send(target, { text: "c", plainText: "c" })).messageId).toMatch(/^\d+$/);
  });
});
