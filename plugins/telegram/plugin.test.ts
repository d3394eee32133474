import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { maskSecret, type ChannelPlugin, type InboundMessage } from "../../src/plugin-api.js";
import { type FakeTelegram, type FakeTelegramOptions } from "../../test/fakes/telegram/index.js";
import { TEST_PACE } from "../../test/support/telegram-pace.js";
import { createTelegramPlugin, type TelegramPluginOptions } from "./plugin.js";
import { createHarness, telegramTestRig, type Harness } from "./test-harness.js";

const alice = { id: 1001, first_name: "Alice", username: "alice" };
const bob = { id: 1002, first_name: "Bob" };
const group = { id: -2001, type: "supergroup" as const, title: "Team" };
const forum = { id: -3001, type: "supergroup" as const, title: "Forum", is_forum: true };

interface Setup {
  tg: FakeTelegram;
  stateDir: string;
  plugin: ChannelPlugin;
  harness: Harness;
}

const { cleanups, fakeTelegram: unpacedTelegram, tempDir } = telegramTestRig("baton-telegram-");
const fakeTelegram = (options?: FakeTelegramOptions): Promise<FakeTelegram> =>
  unpacedTelegram({ ...options, limits: { ...TEST_PACE.fake, ...options?.limits } });

/** A started plugin talking to `tg`, with a harness standing in for the core. */
async function startPlugin(
  tg: FakeTelegram,
  stateDir: string,
  options: { config?: Record<string, unknown>; plugin?: Partial<TelegramPluginOptions>; commands?: Harness["commands"] } = {},
): Promise<Setup> {
  const harness = createHarness({
    config: { botToken: tg.token, apiRoot: tg.url, ...options.config },
    stateDir,
    commands: options.commands ?? [{ name: "model", description: "Switch model", args: [] }],
  });
  const plugin = createTelegramPlugin({ accountId: "default", limits: TEST_PACE.plugin, ...options.plugin });
  await plugin.start(harness.ctx);
  cleanups.push(() => plugin.stop());
  return { tg, stateDir, plugin, harness };
}

async function setup(options: Parameters<typeof startPlugin>[2] & { fake?: FakeTelegramOptions } = {}): Promise<Setup> {
  const tg = await fakeTelegram(options.fake);
  return startPlugin(tg, await tempDir(), options);
}

/** Lets callbacks already due (e.g. a receipt settled at once) run before the next step. */
const afterPendingCallbacks = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Replies to every dispatched message like the core would: in the background, through
 * plugin.send. Tests check the reply at the fake; a send cut short by teardown is ignored.
 */
function echo(s: Setup): void {
  s.harness.accept = (m: InboundMessage) => {
    s.plugin
      .send(
        { chatId: m.chatId, topicId: m.topicId, replyToMessageId: m.messageId },
        { text: `echo: <b>${m.text}</b>`, plainText: `echo: ${m.text}` },
      )
      .catch(() => undefined);
  };
}

describe("telegram plugin: inbound", () => {
  it("normalizes a private message and answers it", async () => {
    const s = await setup();
    echo(s);
    const update = s.tg.pushUserMessage({ from: alice, text: "hello" });
    const inbound = await s.harness.waitForDispatch(() => true);
    expect(inbound).toEqual({
      channel: "telegram",
      accountId: "default",
      chatKind: "dm",
      chatId: "1001",
      senderId: "1001",
      senderName: "Alice",
      senderIsBot: false,
      messageId: String(update.message?.message_id),
      text: "hello",
      mentioned: false,
      timestamp: (update.message?.date ?? 0) * 1000,
    });
    const reply = await s.tg.waitForSent((m) => m.chat_id === alice.id);
    expect(reply).toMatchObject({
      text: "echo: <b>hello</b>",
      parse_mode: "HTML",
      plain_text: "echo: hello",
      reply_to_message_id: update.message?.message_id,
    });
  });

  it("flags group messages addressed to the bot and normalizes commands", async () => {
    const s = await setup();
    const bot = `@${s.tg.bot.username}`;
    s.tg.pushUserMessage({ chat: group, from: alice, text: "just chatting" });
    s.tg.pushUserMessage({ chat: group, from: alice, text: `${bot} what time is it?` });
    s.tg.pushUserMessage({ chat: group, from: alice, text: `/model@${s.tg.bot.username} opus` });
    s.tg.pushUserMessage({ chat: group, from: alice, text: "/model@OtherBot sonnet" });
    s.tg.pushUserMessage({ chat: group, from: { id: 555, is_bot: true, first_name: "Relay" }, text: `${bot} from a bot` });
    s.tg.pushUserMessage({ chat: group, from: bob, text: "done" });
    await s.harness.waitForDispatch((m) => m.text === "done");
    expect(s.harness.dispatched.map((m) => [m.chatKind, m.text, m.mentioned])).toEqual([
      ["group", "just chatting", false],
      ["group", "what time is it?", true],
      ["group", "/model opus", true],
      ["group", "done", false],
    ]);
  });

  it("treats a reply to the bot's message as addressed to it", async () => {
    const s = await setup();
    s.tg.addChat(group);
    const sent = await s.plugin.send({ chatId: String(group.id) }, { text: "Pick one", plainText: "Pick one" });
    s.tg.pushUserMessage({ chat: group, from: bob, text: "this one", reply_to_message: Number(sent.messageId) });
    const inbound = await s.harness.waitForDispatch(() => true);
    expect(inbound).toMatchObject({ text: "this one", mentioned: true, replyToMessageId: sent.messageId });
  });

  it("keeps forum topics apart and replies into the topic", async () => {
    const s = await setup();
    echo(s);
    s.tg.pushUserMessage({ chat: forum, from: alice, text: `@${s.tg.bot.username} hi`, message_thread_id: 42 });
    const inbound = await s.harness.waitForDispatch(() => true);
    // the topic's first message is not a reply to anyone
    expect(inbound).toMatchObject({ chatId: String(forum.id), topicId: "42", text: "hi", mentioned: true });
    expect(inbound.replyToMessageId).toBeUndefined();
    const reply = await s.tg.waitForSent((m) => m.chat_id === forum.id);
    expect(reply).toMatchObject({ message_thread_id: 42, plain_text: "echo: hi" });
  });

  it("dispatches other chats while one chat's dispatch is still pending, and keeps each chat in order", async () => {
    const s = await setup();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    s.harness.accept = (m) => (m.text === "slow" ? held : undefined);
    s.tg.pushUserMessage({ from: alice, text: "slow" });
    s.tg.pushUserMessage({ from: alice, text: "after slow" });
    s.tg.pushUserMessage({ from: bob, text: "other chat" });
    await s.harness.waitForDispatch((m) => m.text === "other chat");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["slow", "other chat"]);
    release();
    await s.harness.waitForDispatch((m) => m.text === "after slow");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["slow", "other chat", "after slow"]);
  });
});

describe("telegram plugin: malformed and foreign updates", () => {
  it("ignores malformed updates without an error and keeps answering", async () => {
    const s = await setup();
    const date = Math.floor(Date.now() / 1000);
    const chat = { id: alice.id, type: "private", first_name: "Alice" };
    const from = { ...alice, is_bot: false };
    for (const body of [
      { message: { message_id: 9001, date, chat, text: "no sender" } },
      { message: { message_id: 9002, date, from, text: "no chat" } },
      { message: { message_id: 9003, date, from, chat, text: 12345 } },
      { message: { message_id: 9004, date, from, chat } },
      { message: { message_id: 9005, date, from: { ...from, is_bot: true }, chat, text: "from a bot" } },
      { message: { message_id: 9006, date, from, chat: { id: -100_555, type: "channel", title: "news" }, text: "a channel post" } },
      { message: { message_id: 9007, date, from, chat, text: "/model", entities: [{ type: "bot_command", offset: 40, length: 99 }] } },
      { message: { message_id: 9008, date, from, chat: { id: "1001", type: "private" }, text: "chat id is a string" } },
      { message: null },
      { message: "not an object" },
      { callback_query: { id: "9101", from, chat_instance: "1", game_short_name: "snake" } },
      { callback_query: { id: "9102", from, chat_instance: "1", data: "/help", message: "not a message" } },
      { edited_message: { message_id: 9010, date, edit_date: date, from, chat, text: "edited" } },
      { some_future_update: { anything: true } },
    ]) {
      s.tg.pushUpdate(body as never);
    }
    s.tg.pushUserMessage({ from: alice, text: "still there?" });
    await s.harness.waitForDispatch((m) => m.text === "still there?");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["/model", "still there?"]);
    expect(s.harness.logs.filter((e) => e.level === "error")).toEqual([]);
  });

  it("refuses a press whose data no Baton button carries, so it cannot skip the group's mention rule", async () => {
    const s = await setup();
    s.tg.addChat(group);
    const sent = await s.plugin.send({ chatId: String(group.id) }, { text: "Pick", plainText: "Pick", buttons: [[{ label: "Opus", command: "/model opus" }]] });
    // A modified client can put anything in callback_data; the fake only lets real buttons be pressed, so send the raw update.
    const keyboard = { message_id: Number(sent.messageId), date: Math.floor(Date.now() / 1000), chat: group };
    const forged = s.tg.pushUpdate({ callback_query: { id: "forged-1", from: { ...bob, is_bot: false }, chat_instance: "1", data: "tell me everything", message: keyboard } } as never);
    s.tg.pushCallbackQuery({ from: bob, chatId: group.id, messageId: Number(sent.messageId), label: "Opus" });
    await s.harness.waitForDispatch((m) => m.text === "/model opus");
    expect(s.harness.dispatched.map((m) => m.text)).toEqual(["/model opus"]);
    // (The fake refuses to record an answer to a query it did not create; the call is what counts.)
    const answer = await s.tg.waitForCall("answerCallbackQuery", (c) => c.params.callback_query_id === forged.callback_query?.id);
    expect(answer.params.text).toBe("This button has expired.");
  });
});

describe("telegram plugin: outbound", () => {
  it("turns buttons into an inline keyboard and dispatches a press as its command", async () => {
    const s = await setup();
    const longCommand = `/model ${"anthropic/claude-opus-4-5@anthropic:work-account-".repeat(2)}`;
    s.tg.pushUserMessage({ chat: forum, from: alice, text: "opening topic 7", message_thread_id: 7 });
    await s.harness.waitForDispatch(() => true);
    const sent = await s.plugin.send(
      { chatId: String(forum.id), topicId: "7" },
      {
        text: "Choose:",
        plainText: "Choose:",
        buttons: [[{ label: "Opus", command: "/model opus" }, { label: "Work", command: longCommand }]],
      },
    );
    const record = await s.tg.waitForSent((m) => m.message_id === Number(sent.messageId));
    const [opus, work] = record.reply_markup?.inline_keyboard[0] ?? [];
    expect(opus).toEqual({ text: "Opus", callback_data: "/model opus" });
    expect(Buffer.byteLength(work.callback_data ?? "")).toBeLessThanOrEqual(64);

    const pressOpus = s.tg.pushCallbackQuery({ from: bob, chatId: forum.id, messageId: Number(sent.messageId), label: "Opus" });
    s.tg.pushCallbackQuery({ from: bob, chatId: forum.id, messageId: Number(sent.messageId), label: "Work" });
    await s.harness.waitForDispatch((m) => m.text === longCommand);
    const presses = s.harness.dispatched.filter((m) => m.senderId === String(bob.id));
    expect(presses.map((m) => m.text)).toEqual(["/model opus", longCommand]);
    expect(presses[0]).toMatchObject({
      chatKind: "group",
      chatId: String(forum.id),
      topicId: "7",
      mentioned: true,
      messageId: `callback:${pressOpus.callback_query?.id}`,
      replyToMessageId: sent.messageId,
    });
    await s.tg.waitFor(() => s.tg.callbackAnswers.length === 2, 5000, "both presses answered");
  });

  it("answers a press on a button it no longer knows without dispatching it", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const before = await startPlugin(tg, stateDir);
    tg.addChat({ id: alice.id });
    const longCommand = `/model ${"x".repeat(80)}`;
    const sent = await before.plugin.send(
      { chatId: String(alice.id) },
      { text: "Choose:", plainText: "Choose:", buttons: [[{ label: "Long", command: longCommand }]] },
    );
    await before.plugin.stop();

    const after = await startPlugin(tg, stateDir);
    const press = tg.pushCallbackQuery({ from: alice, chatId: alice.id, messageId: Number(sent.messageId), label: "Long" });
    tg.pushUserMessage({ from: alice, text: "next" });
    await after.harness.waitForDispatch((m) => m.text === "next");
    expect(after.harness.dispatched.map((m) => m.text)).toEqual(["next"]);
    expect(tg.callbackAnswers).toEqual([{ callback_query_id: press.callback_query?.id, text: "This button has expired." }]);
  });

  it("delivers a long HTML message intact", async () => {
    const s = await setup();
    s.tg.addChat({ id: alice.id });
    const lines = Array.from({ length: 190 }, (_, n) => `<b>${n}</b> line &amp; <i>text</i> <code>x&lt;y</code>`);
    const html = lines.join("\n");
    const plain = lines.map((_, n) => `${n} line & text x<y`).join("\n");
    // over Telegram's 4096 as HTML source, under it once parsed: what Telegram counts
    expect(html.length).toBeGreaterThan(4096);
    expect(plain.length).toBeLessThanOrEqual(4096);
    await s.plugin.send({ chatId: String(alice.id) }, { text: html, plainText: plain });
    const record = await s.tg.waitForSent(() => true);
    expect(record).toMatchObject({ parse_mode: "HTML", plain_text: plain });
    expect(record.entities.filter((e) => e.type === "bold")).toHaveLength(190);
  });

  it("resends as plain text when Telegram refuses the HTML", async () => {
    const s = await setup();
    s.tg.addChat({ id: alice.id });
    await s.plugin.send({ chatId: String(alice.id) }, { text: "<b>5 < 6</b>", plainText: "5 < 6" });
    expect(s.tg.sent).toHaveLength(1);
    expect(s.tg.sent[0]).toMatchObject({ text: "5 < 6", parse_mode: undefined });
    const attempts = s.tg.calls.filter((c) => c.method === "sendMessage");
    expect(attempts.map((c) => c.errorCode)).toEqual([400, undefined]);
    expect(s.harness.logs.some((e) => e.level === "warn" && /plain text/.test(e.msg))).toBe(true);
  });

  it("waits out a 429 and still delivers, in order", async () => {
    // half the plugin's pace, so the second message gets a 429
    const s = await setup({ fake: { limits: { perChat: { limit: 1, intervalMs: 2 * TEST_PACE.plugin.perChat.intervalMs, burst: 1 } } } });
    s.tg.addChat({ id: alice.id });
    const target = { chatId: String(alice.id) };
    await Promise.all(["one", "two"].map((t) => s.plugin.send(target, { text: t, plainText: t })));
    expect(s.tg.count429).toBeGreaterThanOrEqual(1);
    expect(s.tg.sent.map((m) => m.text)).toEqual(["one", "two"]);
  });

  it("fails a send Telegram refuses for good, without the token in the error", async () => {
    const s = await setup();
    const err = await s.plugin.send({ chatId: "999" }, { text: "x", plainText: "x" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/chat not found/);
    expect(JSON.stringify(err) + String(err)).not.toContain(s.tg.token);
  });

  it("edits, ignores 'not modified', and sends only the latest of queued edits", async () => {
    const s = await setup();
    s.tg.addChat({ id: alice.id });
    const target = { chatId: String(alice.id) };
    const { messageId } = await s.plugin.send(target, { text: "draft", plainText: "draft" });
    await Promise.all(
      ["v1", "v2", "<b>final</b>"].map((text) => s.plugin.edit?.(target, messageId, { text, plainText: text.replace(/<\/?b>/g, "") })),
    );
    await s.plugin.edit?.(target, messageId, { text: "<b>final</b>", plainText: "final" });
    const edits = s.tg.sent.filter((m) => m.method === "editMessageText");
    expect(edits.map((m) => m.text)).toEqual(["<b>final</b>"]);
    expect(s.tg.calls.filter((c) => c.method === "editMessageText").map((c) => c.errorCode)).toEqual([undefined, 400]);
  });

  it("shows typing in the right topic", async () => {
    const s = await setup();
    s.tg.pushUserMessage({ chat: forum, from: alice, text: "x", message_thread_id: 9 });
    await s.harness.waitForDispatch(() => true);
    await s.plugin.typing?.({ chatId: String(forum.id), topicId: "9" });
    expect(s.tg.chatActions).toMatchObject([{ chat_id: forum.id, action: "typing", message_thread_id: 9 }]);
  });
});

describe("telegram plugin: lifecycle", () => {
  it("sets the command menu once, not again on a restart with the same commands", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const first = await startPlugin(tg, stateDir);
    await first.harness.waitForLog((e) => e.msg === "telegram: command menu");
    expect(tg.commands).toEqual([{ command: "model", description: "Switch model" }]);
    await first.plugin.stop();

    const second = await startPlugin(tg, stateDir);
    const log = await second.harness.waitForLog((e) => e.msg === "telegram: command menu");
    expect(log.fields).toEqual({ result: "unchanged" });
    await second.plugin.stop();

    const third = await startPlugin(tg, stateDir, { commands: [{ name: "help", description: "Show help", args: [] }] });
    await third.harness.waitForLog((e) => e.msg === "telegram: command menu");
    expect(tg.commands).toEqual([{ command: "help", description: "Show help" }]);
    expect(tg.calls.filter((c) => c.method === "setMyCommands")).toHaveLength(2);
  });

  it("answers messages while setMyCommands is rate limited", async () => {
    const tg = await fakeTelegram();
    tg.failNext("setMyCommands", { error_code: 429, description: "Too Many Requests: retry after 30", retry_after: 30 });
    const s = await startPlugin(tg, await tempDir());
    echo(s);
    tg.pushUserMessage({ from: alice, text: "still there?" });
    await tg.waitForSent((m) => m.chat_id === alice.id);
    expect(tg.commands).toBeUndefined();
  });

  // A proxy or emulator in front of the Bot API: such an answer used to make the error
  // formatter throw inside a rejection handler, and the unhandled rejection ended the gateway.
  it.each([
    ["500 with a message instead of a description", { status: 500, body: JSON.stringify({ message: "upstream down" }) }],
    ['{"ok":false} alone', { status: 400, body: JSON.stringify({ ok: false }) }],
    ["an HTML error page", { status: 502, body: "<html><body>Bad Gateway</body></html>", contentType: "text/html" }],
    ["an empty body", { status: 500, body: "" }],
    ["JSON null", { status: 200, body: "null" }],
  ])("starts, logs, and keeps answering when setMyCommands gets %s", async (_, answer) => {
    const tg = await fakeTelegram();
    tg.answerRaw("setMyCommands", answer);
    const s = await startPlugin(tg, await tempDir());
    echo(s);
    const warning = await s.harness.waitForLog((e) => /could not set the command menu/.test(e.msg));
    expect(warning.fields?.error).toEqual(expect.any(String));
    tg.pushUserMessage({ from: alice, text: "still there?" });
    await tg.waitForSent((m) => m.chat_id === alice.id);
    expect(s.harness.logText()).not.toContain(tg.token);
  });

  it("restarts without dispatching an update the core had finished with twice", async () => {
    const tg = await fakeTelegram();
    const stateDir = await tempDir();
    const first = await startPlugin(tg, stateDir);
    await tg.waitFor(() => tg.pollWaiting, 5000, "a pending long poll");
    // Telegram goes down right after delivering: the confirming getUpdates never gets through.
    tg.failNext("getUpdates", { error_code: 502, description: "Bad Gateway" }, 1000);
    const handled = tg.pushUserMessage({ from: alice, text: "once" });
    await first.harness.waitForDispatch((m) => m.text === "once");
    await afterPendingCallbacks(); // the receipt (settled at once) reaches the plugin before the stop
    await first.plugin.stop();
    expect(tg.pendingUpdates.map((u) => u.update_id)).toContain(handled.update_id);
    expect(JSON.parse(await readFile(join(stateDir, "offset.json"), "utf8"))).toEqual({ lastUpdateId: handled.update_id });

    tg.clearFailures();
    const second = await startPlugin(tg, stateDir);
    tg.pushUserMessage({ from: alice, text: "twice?" });
    await second.harness.waitForDispatch((m) => m.text === "twice?");
    expect(second.harness.dispatched.map((m) => m.text)).toEqual(["twice?"]);
  });

  it("deletes a leftover webhook when starting with long polling", async () => {
    const tg = await fakeTelegram();
    await fetch(`${tg.url}/bot${tg.token}/setWebhook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/hook" }),
    });
    expect(tg.webhook).not.toBeNull();
    const s = await startPlugin(tg, await tempDir());
    expect(tg.webhook).toBeNull();
    tg.pushUserMessage({ from: alice, text: "polling works" });
    await s.harness.waitForDispatch((m) => m.text === "polling works");
  });

  it("stops promptly while a long poll is pending, and on the gateway's abort signal", async () => {
    const s = await setup();
    await s.tg.waitFor(() => s.tg.pollWaiting, 5000, "a pending long poll");
    await s.plugin.stop();
    await s.tg.waitFor(() => !s.tg.pollWaiting, 5000, "the long poll to be abandoned");
    await expect(s.plugin.send({ chatId: "1" }, { text: "x", plainText: "x" })).rejects.toThrow(/not running/);

    const again = await startPlugin(s.tg, s.stateDir);
    await s.tg.waitFor(() => s.tg.pollWaiting, 5000, "a pending long poll");
    again.harness.abort();
    await s.tg.waitFor(() => !s.tg.pollWaiting, 5000, "the long poll to be abandoned");
  });

  it("refuses to start with a wrong token and never logs it whole", async () => {
    const tg = await fakeTelegram();
    const wrong = "7000000001:AAWrongTokenWrongTokenWrongToken12";
    const harness = createHarness({ config: { botToken: wrong, apiRoot: tg.url }, stateDir: await tempDir() });
    const plugin = createTelegramPlugin({ accountId: "default" });
    const err = (await plugin.start(harness.ctx).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/Unauthorized/);
    expect(err.message).not.toContain(wrong);
    expect(harness.logText()).not.toContain(wrong);
  });

  it("never logs the token in normal operation", async () => {
    const s = await setup();
    echo(s);
    s.tg.pushUserMessage({ from: alice, text: "hi" });
    await s.tg.waitForSent(() => true);
    expect(s.harness.logText()).not.toContain(s.tg.token);
    expect(s.harness.logText()).toContain(maskSecret(s.tg.token));
  });
});
