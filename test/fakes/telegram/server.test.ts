import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "./server.js";

let tg: FakeTelegram;

async function call(method: string, params: Record<string, unknown> = {}, token = tg.token) {
  const res = await fetch(`${tg.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as any };
}

beforeEach(async () => {
  tg = await startFakeTelegram({ limits: { perChat: false, perGroup: false, global: false } });
});
afterEach(async () => {
  await tg.close();
});

describe("startFakeTelegram", () => {
  it("answers like the Bot API for bad tokens, unknown methods and getMe", async () => {
    expect(await call("getMe", {}, "1:wrong")).toEqual({ status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } });
    expect(await call("noSuchMethod")).toEqual({ status: 404, body: { ok: false, error_code: 404, description: "Not Found" } });
    const me = await call("getMe");
    expect(me.body).toMatchObject({ ok: true, result: { id: tg.bot.id, is_bot: true, username: "BatonTestBot" } });
  });

  it("long-polls until an update arrives and confirms updates below the offset", async () => {
    const poll = call("getUpdates", { timeout: 20 });
    await tg.waitForCall("getUpdates");
    const pushed = tg.pushUserMessage({ from: { id: 42 }, text: "/start" });
    const first = await poll;
    expect(first.body.result).toEqual([pushed]);
    expect(pushed.message?.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);

    expect((await call("getUpdates", { offset: 0 })).body.result).toHaveLength(1);
    expect((await call("getUpdates", { offset: pushed.update_id + 1 })).body.result).toEqual([]);
    expect((await call("getUpdates", { offset: 0 })).body.result).toEqual([]);
  });

  it("reads form-encoded parameters", async () => {
    tg.addChat({ id: 5 });
    const res = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ chat_id: "5", text: "<b>hi</b>", parse_mode: "HTML" }),
    });
    expect(await res.json()).toMatchObject({ ok: true, result: { text: "hi", entities: [{ type: "bold", offset: 0, length: 2 }] } });
  });

  it("reads GET query parameters and filters by allowed_updates", async () => {
    tg.pushUserMessage({ from: { id: 1 }, text: "a message" });
    const res = await fetch(`${tg.url}/bot${tg.token}/getUpdates?timeout=0&allowed_updates=${encodeURIComponent('["callback_query"]')}`);
    expect(await res.json()).toEqual({ ok: true, result: [] });
  });

  it("ends an older long poll with 409 when another one starts", async () => {
    const older = call("getUpdates", { timeout: 20 });
    await tg.waitForCall("getUpdates");
    const newer = call("getUpdates", { timeout: 0 });
    expect((await older).body).toMatchObject({ ok: false, error_code: 409 });
    expect((await newer).body).toEqual({ ok: true, result: [] });
  });

  it("validates sendMessage like Telegram", async () => {
    tg.addChat({ id: 7 });
    expect((await call("sendMessage", { chat_id: 8, text: "x" })).body.description).toBe("Bad Request: chat not found");
    expect((await call("sendMessage", { chat_id: 7, text: "x".repeat(4097) })).body.description).toBe("Bad Request: message is too long");
    expect((await call("sendMessage", { chat_id: 7, text: `<b>${"x".repeat(4096)}</b>`, parse_mode: "HTML" })).body.ok).toBe(true);
    expect((await call("sendMessage", { chat_id: 7, text: "x <y> z", parse_mode: "HTML" })).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: can\'t parse entities: Unsupported start tag "y" at byte offset 2',
    });
    const keyboard = { inline_keyboard: [[{ text: "x", callback_data: "y".repeat(65) }]] };
    expect((await call("sendMessage", { chat_id: 7, text: "k", reply_markup: keyboard })).body.description).toBe("Bad Request: BUTTON_DATA_INVALID");
    expect((await call("sendMessage", { chat_id: 7, text: "r", reply_parameters: { message_id: 99 } })).body.description).toBe(
      "Bad Request: message to be replied not found",
    );
  });

  it("refuses an edit that changes nothing", async () => {
    tg.addChat({ id: 7 });
    const sent = (await call("sendMessage", { chat_id: 7, text: "<b>a</b>", parse_mode: "HTML" })).body.result;
    const same = await call("editMessageText", { chat_id: 7, message_id: sent.message_id, text: "<b>a</b>", parse_mode: "HTML" });
    expect(same.body.description).toMatch(/^Bad Request: message is not modified/);
    const changed = await call("editMessageText", { chat_id: 7, message_id: sent.message_id, text: "a" });
    expect(changed.body.result).toMatchObject({ text: "a", edit_date: expect.any(Number) });
    expect(tg.sent.map((s) => s.method)).toEqual(["sendMessage", "editMessageText"]);
  });

  it("answers 429 with retry_after when a limit is exceeded", async () => {
    tg.setLimits({ perChat: { limit: 1, intervalMs: 5000, burst: 1 }, perGroup: false, global: false });
    tg.addChat({ id: 9 });
    expect((await call("sendMessage", { chat_id: 9, text: "1" })).body.ok).toBe(true);
    const limited = await call("sendMessage", { chat_id: 9, text: "2" });
    expect(limited).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 5", parameters: { retry_after: 5 } },
    });
    expect(tg.count429).toBe(1);
  });

  it("validates and stores the command menu", async () => {
    expect((await call("setMyCommands", { commands: [{ command: "Model", description: "x" }] })).body.description).toBe(
      "Bad Request: BOT_COMMAND_INVALID",
    );
    const many = Array.from({ length: 101 }, (_, n) => ({ command: `c${n}`, description: "d" }));
    expect((await call("setMyCommands", { commands: many })).body.description).toBe("Bad Request: BOT_COMMANDS_TOO_MUCH");
    await call("setMyCommands", { commands: [{ command: "model", description: "Switch model" }] });
    expect(tg.commands).toEqual([{ command: "model", description: "Switch model" }]);
    expect((await call("getMyCommands")).body.result).toEqual(tg.commands);
    await call("deleteMyCommands");
    expect(tg.commands).toBeUndefined();
  });

  it("delivers to a webhook with the secret header and refuses getUpdates meanwhile", async () => {
    const received: Array<{ secret?: string; body: string }> = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c)).on("end", () => {
        received.push({ secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    try {
      expect((await call("setWebhook", { url, secret_token: "s3cret" })).body).toEqual({ ok: true, result: true, description: "Webhook was set" });
      expect((await call("getUpdates")).body.error_code).toBe(409);
      const update = tg.pushUserMessage({ from: { id: 1 }, text: "hi" });
      expect((await call("getWebhookInfo")).body.result).toMatchObject({ url, pending_update_count: 1 });
      expect(await tg.deliverViaWebhook(update)).toBe(200);
      expect(await tg.deliverViaWebhook(update, { secret: null })).toBe(200);
      expect(received.map((r) => r.secret)).toEqual(["s3cret", undefined]);
      expect(JSON.parse(received[0].body)).toEqual(update);
      expect(tg.pendingUpdates).toEqual([]);
      expect((await call("deleteWebhook")).body.description).toBe("Webhook was deleted");
      expect((await call("getUpdates")).body.ok).toBe(true);
    } finally {
      hook.closeAllConnections();
      await new Promise((r) => hook.close(r));
    }
  });

  it("creates forum topics and answers callback queries once", async () => {
    const forum = { id: -1001, type: "supergroup" as const, is_forum: true };
    const update = tg.pushUserMessage({ chat: forum, from: { id: 3 }, text: "in topic", message_thread_id: 77 });
    expect(update.message).toMatchObject({ message_thread_id: 77, is_topic_message: true, reply_to_message: { message_id: 77 } });
    const sent = await call("sendMessage", {
      chat_id: -1001,
      message_thread_id: 77,
      text: "pick",
      reply_markup: { inline_keyboard: [[{ text: "Opus", callback_data: "/model opus" }]] },
    });
    expect((await call("sendMessage", { chat_id: -1001, message_thread_id: 78, text: "x" })).body.description).toBe(
      "Bad Request: message thread not found",
    );
    const press = tg.pushCallbackQuery({ from: { id: 3 }, chatId: -1001, messageId: sent.body.result.message_id, label: "Opus" });
    const id = press.callback_query?.id;
    expect((await call("answerCallbackQuery", { callback_query_id: id })).body.ok).toBe(true);
    expect((await call("answerCallbackQuery", { callback_query_id: id })).body.description).toMatch(/query is too old/);
    expect(tg.callbackAnswers).toEqual([{ callback_query_id: id }]);
  });

  it("accepts a multipart sendDocument upload and keeps the file's bytes", async () => {
    tg.addChat({ id: 7 });
    const content = Buffer.from("# reply\n\nÜnïcödé 🎉\r\n--not-a-boundary\r\n", "utf8");
    const form = new FormData();
    form.set("chat_id", "7");
    form.set("caption", "the rest");
    form.set("document", "attach://file1");
    form.set("file1", new Blob([content], { type: "text/markdown" }), "reply.md");
    const res = await fetch(`${tg.url}/bot${tg.token}/sendDocument`, { method: "POST", body: form });
    const body = (await res.json()) as any;
    expect(body.result).toMatchObject({ caption: "the rest", document: { file_name: "reply.md", file_size: content.length } });
    expect(tg.documents).toHaveLength(1);
    expect(tg.documents[0]).toMatchObject({ chat_id: 7, file_name: "reply.md", caption: "the rest", message_id: body.result.message_id });
    expect(tg.documents[0].content.equals(content)).toBe(true);

    const direct = new FormData();
    direct.set("chat_id", "7");
    direct.set("document", new Blob([Buffer.from("x")]), "direct.txt");
    expect((await (await fetch(`${tg.url}/bot${tg.token}/sendDocument`, { method: "POST", body: direct })).json()) as any).toMatchObject({ ok: true });
    expect((await call("sendDocument", { chat_id: 7, document: "some-file-id" })).body.description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
    expect((await call("sendDocument", { chat_id: 7 })).body.description).toBe("Bad Request: there is no document in the request");
    const empty = new FormData();
    empty.set("chat_id", "7");
    empty.set("document", new Blob([]), "empty.txt");
    expect(((await (await fetch(`${tg.url}/bot${tg.token}/sendDocument`, { method: "POST", body: empty })).json()) as any).description).toBe(
      "Bad Request: file must be non-empty",
    );
  });

  it("turns an HTML link to tg://user?id= into a text_mention, as Telegram does", async () => {
    tg.addChat({ id: 7 });
    const sent = await call("sendMessage", { chat_id: 7, text: '<a href="tg://user?id=42">Bob</a> <a href="https://x.org">x</a>', parse_mode: "HTML" });
    expect(sent.body.result.entities).toEqual([
      { type: "text_mention", offset: 0, length: 3, user: { id: 42 } },
      { type: "text_link", offset: 4, length: 1, url: "https://x.org" },
    ]);
  });

  it("gives raw answers verbatim, in order, before doing anything", async () => {
    tg.answerRaw("getMe", { status: 500, body: JSON.stringify({ message: "upstream down" }) });
    tg.answerRaw("getMe", { status: 502, body: "<html>Bad Gateway</html>", contentType: "text/html" }, 2);
    const first = await fetch(`${tg.url}/bot${tg.token}/getMe`);
    expect([first.status, await first.text()]).toEqual([500, '{"message":"upstream down"}']);
    for (let n = 0; n < 2; n++) {
      const next = await fetch(`${tg.url}/bot${tg.token}/getMe`);
      expect([next.status, next.headers.get("content-type"), await next.text()]).toEqual([502, "text/html", "<html>Bad Gateway</html>"]);
    }
    expect((await call("getMe")).body.ok).toBe(true);
    expect(tg.calls.map((c) => c.errorCode)).toEqual([500, 502, 502, undefined]);
    tg.answerRaw("getMe", { status: 200, body: "" }, Infinity);
    tg.clearFailures();
    expect((await call("getMe")).body.ok).toBe(true);
  });

  it("fails injected calls before they take effect", async () => {
    tg.pushUserMessage({ from: { id: 1 }, text: "a" });
    tg.failNext("getUpdates", { error_code: 502, description: "Bad Gateway" });
    const failed = await call("getUpdates", { offset: 999_999_999 });
    expect(failed).toEqual({ status: 502, body: { ok: false, error_code: 502, description: "Bad Gateway" } });
    expect(tg.pendingUpdates).toHaveLength(1);
  });
});
