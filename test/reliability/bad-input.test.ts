import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram, type SentRecord } from "../fakes/telegram/index.js";
import { botMessagesByChat } from "./outcomes.js";
import { diffTrees, listTree, checkStateDir } from "./state-files.js";
import { startTelegramStack, UNTHROTTLED, type TelegramStack } from "./telegram-stack.js";

/**
 * Bad input (issue 8) through the real Telegram plugin and gateway: malformed updates, updates
 * and messages Baton does not handle, a 100 KB message, unusual Unicode, and injection attempts
 * in `/model` arguments. The policy (plugins/telegram/normalize.ts, src/chat/router.ts,
 * docs/COMMANDS.md): what carries no text for the bot — no sender, a bot sender, no text or
 * caption, a channel post, a command for another bot, a group message without a mention — is
 * ignored silently; a command with bad arguments gets a reply saying what is wrong and changes
 * nothing. Through all of it the gateway keeps answering, and the only files written are the
 * ones a normal conversation writes.
 */

const KEY = `sk-ant-api03-BADINPUT${"k".repeat(72)}-badKEY00`;
const USER = 801;
const INJECTOR = 802;
const GROUP = -1_001_234_567_890;

let telegram: FakeTelegram;
let anthropic: FakeAnthropic;
let stack: TelegramStack;
let sandbox: string;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  telegram.setLimits({ perChat: false, perGroup: false, global: false });
  anthropic = await startFakeAnthropic();
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "baton-bad-input-"));
  const home = path.join(sandbox, "home");
  fs.mkdirSync(home);
  stack = await startTelegramStack({
    telegram,
    anthropicUrl: anthropic.url,
    profiles: { "anthropic:default": { type: "api_key", provider: "anthropic", key: KEY } },
    plugin: { limits: UNTHROTTLED },
    home,
  });
  await telegram.waitFor(() => telegram.commands, 10_000, "the command menu");
});

afterAll(async () => {
  await stack?.stop();
  await anthropic?.close();
  await telegram?.close();
  if (sandbox) fs.rmSync(sandbox, { recursive: true, force: true });
});

const date = () => Math.floor(Date.now() / 1000);
const user = (id: number) => ({ id, is_bot: false, first_name: `User ${id}` });
const privateChat = (id: number) => ({ id, type: "private", first_name: `User ${id}` });

/** Lone surrogates as U+FFFD, which is what UTF-8 encoding makes of them (String#toWellFormed, ES2024). */
const wellFormed = (text: string) => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");

/** The bot's messages in a chat (final texts), from record `from` on. */
function botTexts(chatId: number, from = 0): string[] {
  return (botMessagesByChat(telegram.sent.slice(from)).get(chatId) ?? []).map((m) => m.text);
}

/** Sends a plain message to `chatId` and waits for its echo: everything sent to that chat before it has been handled. */
async function roundTrip(chatId: number, text: string, timeoutMs = 20_000): Promise<SentRecord> {
  telegram.pushUserMessage({ chat: chatId < 0 ? { id: chatId } : undefined, from: { id: chatId < 0 ? USER : chatId }, text: chatId < 0 ? `@BatonTestBot ${text}` : text });
  return telegram.waitForSent((r) => r.chat_id === chatId && r.plain_text === `echo: ${text}`, timeoutMs);
}

describe("bad input", () => {
  it("ignores malformed and unsupported updates and keeps answering", async () => {
    const from = telegram.sent.length;
    const bodies: Record<string, unknown>[] = [
      { message: { message_id: 9001, date: date(), chat: privateChat(USER), text: "no sender" } },
      { message: { message_id: 9002, date: date(), from: user(USER), text: "no chat" } },
      { message: { message_id: 9003, date: date(), from: user(USER), chat: privateChat(USER), text: 12345 } },
      { message: { message_id: 9004, date: date(), from: user(USER), chat: privateChat(USER) } },
      { message: { message_id: 9005, date: date(), from: { ...user(USER), is_bot: true }, chat: privateChat(USER), text: "from a bot" } },
      { message: { message_id: 9006, date: date(), from: user(USER), chat: { id: -100_555, type: "channel", title: "news" }, text: "a channel post" } },
      { message: { message_id: 9007, date: date(), from: user(USER), chat: privateChat(USER), text: "/model", entities: [{ type: "bot_command", offset: 40, length: 99 }] } },
      { message: null },
      { message: "not an object" },
      { callback_query: { id: "9100", from: user(USER), chat_instance: "1", data: "not-a-button-of-ours", message: { message_id: 1, date: date(), chat: privateChat(USER) } } },
      { callback_query: { id: "9101", from: user(USER), chat_instance: "1", game_short_name: "snake" } },
      { edited_message: { message_id: 9010, date: date(), edit_date: date(), from: user(USER), chat: privateChat(USER), text: "edited" } },
      { poll: { id: "1", question: "?", options: [] } },
      { some_future_update: { anything: true } },
    ];
    for (const body of bodies) telegram.pushUpdate(body);
    for (const extra of [
      { photo: [{ file_id: "p1", file_unique_id: "u1", width: 90, height: 90 }] },
      { sticker: { file_id: "s1", file_unique_id: "u2", type: "regular", width: 512, height: 512, is_animated: false, is_video: false } },
      { voice: { file_id: "v1", file_unique_id: "u3", duration: 3 } },
      { location: { latitude: 52.5, longitude: 13.4 } },
      { new_chat_members: [user(USER + 1)] },
    ]) {
      telegram.pushUserMessage({ from: { id: USER }, extra });
    }
    telegram.pushUserMessage({ from: { id: USER }, caption: "a photo with a caption", extra: { photo: [{ file_id: "p2", file_unique_id: "u4", width: 90, height: 90 }] } });
    telegram.pushUserMessage({ chat: { id: GROUP }, from: { id: USER }, text: "a group message without a mention" });
    telegram.pushUserMessage({ from: { id: USER }, text: "/model@SomeOtherBot opus" });

    await roundTrip(USER, "still there after the malformed updates?");
    await roundTrip(GROUP, "and in the group?");
    // A button press whose callback_data is not one of the bot's buttons (a modified client can
    // send any) is refused ("This button has expired."), never run as the sender's text.
    expect(botTexts(USER, from)).toEqual([
      expect.stringMatching(/^Model: /), // "/model" with a broken entity is still "/model"
      // files are downloaded for the model: these ids are unknown to Telegram, the voice is no image
      'I could not download "photo.jpg", so it was not sent to the model.',
      'I can only read images; "voice message" was not sent to the model.',
      'I could not download "photo.jpg", so it was not sent to the model.',
      "echo: a photo with a caption",
      "echo: still there after the malformed updates?",
    ]);
    expect(botTexts(GROUP, from)).toEqual(["echo: and in the group?"]);
    expect(stack.logs.join("\n")).not.toMatch(/ ERROR \[router\]/);
  });

  it("answers a 100 KB message, in parts within Telegram's limit", async () => {
    const from = telegram.sent.length;
    const big = Array.from({ length: 2000 }, (_, i) => `line ${String(i).padStart(4, "0")} ${"lorem ipsum dolor sit amet ".repeat(1)}`).join("\n").padEnd(100 * 1024, "z");
    expect(big.length).toBe(100 * 1024);
    telegram.pushUserMessage({ from: { id: USER }, text: big });
    await roundTrip(USER, "and after the big one?", 60_000);
    const texts = botTexts(USER, from);
    expect(texts.at(-1)).toBe("echo: and after the big one?");
    const answer = texts.slice(0, -1);
    expect(answer.length).toBeGreaterThan(0);
    for (const record of telegram.sent.slice(from)) expect(record.plain_text.length).toBeLessThanOrEqual(4096);
    // The echo of the message, cut where the fake's max_tokens stops it, in several parts.
    expect(answer.length).toBeGreaterThan(1);
    expect(answer[0].startsWith("echo: line 0000")).toBe(true);
    const echoed = answer.join("").slice("echo: ".length).replace(/\s+/g, "");
    expect(echoed.length).toBeGreaterThan(10_000);
    expect(big.replace(/\s+/g, "").startsWith(echoed)).toBe(true);
  });

  it("echoes unusual Unicode (RTL, ZWJ sequences, combining marks, lone surrogates)", async () => {
    const samples = [
      "שלום עולם — مرحبا بالعالم",
      "\u202Eevil override\u202C and \u2067isolate\u2069",
      "👩‍👩‍👧‍👦 🏳️‍🌈 👨🏽‍💻 🧑🏿‍🤝‍🧑🏻",
      "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇ and e\u0301",
      "zero\u200Bwidth\uFEFFjoiners\u200D here",
      "lone \uD800 high and \uDC00 low surrogates",
      "<b>not html</b> & <a href=\"tg://user?id=1\">no link</a>",
    ];
    const from = telegram.sent.length;
    for (const [i, text] of samples.entries()) telegram.pushUserMessage({ from: { id: 810 + i }, text });
    for (const [i, text] of samples.entries()) {
      await roundTrip(810 + i, "next");
      const [reply, next] = botTexts(810 + i, from);
      // Text that cannot be encoded as UTF-8 (lone surrogates) may come back as U+FFFD.
      expect(wellFormed(reply), `sample ${i}`).toBe(wellFormed(`echo: ${text}`));
      expect(next).toBe("echo: next");
    }
    // HTML the user typed is shown as text, never turned into markup
    const markup = telegram.sent.filter((r) => r.chat_id === 810 + samples.length - 1 && r.plain_text.startsWith("echo: <b>"));
    expect(markup.length).toBeGreaterThan(0);
    for (const record of markup) expect(record.entities.filter((e) => ["bold", "text_link", "text_mention"].includes(e.type))).toEqual([]);
  });

  it("refuses injection attempts in /model arguments, changes nothing and writes nothing outside the sessions", async () => {
    // earlier replies record their delivery in their sessions once sent: let those writes land first
    expect(await stack.gateway.router.queue.drainFor(10_000)).toBe(true);
    const before = listTree(sandbox);
    const from = telegram.sent.length;
    const attempts: [string, RegExp | null][] = [
      ["/model ../../etc/passwd", /^Unknown model "..\/..\/etc\/passwd"/],
      ["/model a@b@c", /"b@c" is not a profile id/],
      ["/model opus@anthropic:../../../etc/passwd", /^No credentials found for profile anthropic:..\/..\/..\/etc\/passwd/],
      ["/model opus@anthropic:default/../../x", /^No credentials found for profile anthropic:default\/..\/..\/x/],
      [`/model ${"x".repeat(5000)}`, /^That is too long for a model name \(5000 characters; at most 200\)/],
      [`/model ${"m".repeat(200)}`, /^Unknown model "m{200}"/],
      [`/model opus@anthropic:${"p".repeat(180)}`, /^No credentials found for profile anthropic:p{180}/],
      ["/model $(touch /tmp/baton-pwned)", /^Give one model/],
      ["/model `id`;rm${IFS}-rf${IFS}~", /^Unknown model/],
      ["/model opus@anthropic:a|b>c&&d", /^No credentials found for profile anthropic:a\|b>c&&d/],
      ["/model @@@@", /is not a profile id/],
      ["/model opus@", /^Missing profile after @/],
      ["/model %2e%2e%2f%2e%2e%2fetc", /^Unknown model/],
      ["/model\u0000opus", null], // not "/model <args>": no command for the bot, and no agent turn worth checking here
      ["/model@SomeOtherBot ../../etc/passwd", null], // another bot's command: ignored
      ["/modell opus", /^Unknown command \/modell/],
    ];
    for (const [text] of attempts) telegram.pushUserMessage({ from: { id: INJECTOR }, text });
    await roundTrip(INJECTOR, "plain text after the attempts");

    const texts = botTexts(INJECTOR, from);
    expect(texts.at(-1)).toBe("echo: plain text after the attempts");
    const expected = attempts.filter(([, reply]) => reply).map(([, reply]) => reply!);
    const replies = texts.slice(0, -1).filter((t) => !t.startsWith("echo: "));
    expect(replies).toHaveLength(expected.length);
    replies.forEach((reply, i) => expect(reply).toMatch(expected[i]));
    // the NUL one reached the agent as text; nothing else did
    expect(texts.slice(0, -1).filter((t) => t.startsWith("echo: "))).toEqual(["echo: /model\u0000opus"]);

    // no model was set or pinned for the chat
    const session = checkStateDir(stack.stateDir).sessions.find((s) => s.key === `telegram:dm:${INJECTOR}`);
    expect(session?.modelOverride).toBeUndefined();
    expect(session?.pinnedProfileId).toBeUndefined();

    const change = diffTrees(before, listTree(sandbox));
    const sessionFile = (chat: number) => path.join("home", ".baton", "agents", "main", "sessions", `${encodeURIComponent(`telegram:dm:${chat}`)}.json`);
    const allowed = new Set([sessionFile(INJECTOR), path.join("home", ".baton", "agents", "main", "agent", "auth-profiles.json"), path.join("home", ".baton", "channels", "telegram", "offset.json"), path.join("home", ".baton", "channels", "telegram", "pending.json")]);
    // the turns that did run (the NUL one, the plain text) record their usage in the day's roll-up (DESIGN §11)
    const usageRollup = /^home[\\/]\.baton[\\/]usage[\\/]\d{4}-\d{2}-\d{2}\.json$/;
    expect([...change.added, ...change.changed].filter((p) => !allowed.has(p) && !usageRollup.test(p))).toEqual([]);
    expect(change.removed).toEqual([]);
    expect(fs.existsSync("/tmp/baton-pwned")).toBe(false);
    expect([...listTree(sandbox).keys()].filter((p) => /passwd|pwned/.test(p))).toEqual([]);
  });

  it("is still up and every file it keeps parses", async () => {
    await roundTrip(USER, "last words");
    const state = checkStateDir(stack.stateDir);
    expect(state.problems).toEqual([]);
    expect(stack.logs.join("\n")).not.toContain(KEY.slice(8, -4));
    for (const record of telegram.sent) expect(record.text.includes(KEY.slice(8, -4))).toBe(false);
  });
});
