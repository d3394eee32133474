import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/util/mask.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import type { FakeTelegram } from "../fakes/telegram/index.js";
import {
  alice,
  bob,
  BOT_USERNAME,
  botMessages,
  botTexts,
  FORUM,
  GROUP,
  KEY_A,
  KEY_B,
  lastUserText,
  requestModel,
  requestRoles,
  startStack,
  TOPIC,
  waitForBotMessage,
  waitForBotText,
  type Stack,
} from "./telegram-helpers.js";
import { TEST_PACE } from "../support/telegram-pace.js";

let anthropic: FakeAnthropic;
let stack: Stack | undefined;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
});

afterAll(async () => {
  await anthropic?.close();
});

beforeEach(() => {
  anthropic.reset();
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail" && stack) console.error(`gateway log of the failed test:\n${stack.logs.join("")}`);
  await stack?.stop();
  stack = undefined;
});

const mention = (text: string) => `@${BOT_USERNAME} ${text}`;

/** Every secret the stack knows: provider keys and the bot token. */
function secrets(telegram: FakeTelegram): string[] {
  return [KEY_A, KEY_B, telegram.token];
}

describe("conversations over Telegram", () => {
  it("holds a DM conversation with history", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    telegram.pushUserMessage({ from: alice, text: "hello there" });
    await waitForBotText(telegram, alice.id, "echo: hello there");
    telegram.pushUserMessage({ from: alice, text: "second" });
    await waitForBotText(telegram, alice.id, "echo: second");

    expect(anthropic.requests).toHaveLength(2);
    const second = anthropic.requests[1];
    expect(requestRoles(second)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify((second.body as { messages: unknown }).messages)).toContain("echo: hello there");
    expect(lastUserText(second)).toBe("second");
    expect(botTexts(telegram, alice.id)).toEqual(["echo: hello there", "echo: second"]);
    expect(stack.turns.map((t) => t.ok)).toEqual([true, true]);
  });

  it("answers in a group only when mentioned, replied to, or addressed by /cmd@ThisBot", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    telegram.pushUserMessage({ chat: GROUP, from: alice, text: "just chatting among ourselves" });
    telegram.pushUserMessage({ chat: GROUP, from: alice, text: mention("are you there?") });
    const first = await waitForBotText(telegram, GROUP.id, "echo: are you there?");
    // Updates of one chat are handled in order, so the unmentioned message was already ignored.
    expect(anthropic.requests.map(lastUserText)).toEqual(["are you there?"]);

    telegram.pushUserMessage({ chat: GROUP, from: bob, text: "and a reply to you", reply_to_message: first.messageId });
    await waitForBotText(telegram, GROUP.id, "echo: and a reply to you");

    telegram.pushUserMessage({ chat: GROUP, from: alice, text: "/model@OtherBot list" });
    telegram.pushUserMessage({ chat: GROUP, from: alice, text: `/model@${BOT_USERNAME} list` });
    await waitForBotMessage(telegram, GROUP.id, (m) => m.text.startsWith("Models:"));
    telegram.pushUserMessage({ chat: GROUP, from: alice, text: "/model@OtherBot list" });
    telegram.pushUserMessage({ chat: GROUP, from: alice, text: mention("last one") });
    await waitForBotText(telegram, GROUP.id, "echo: last one");

    const texts = botTexts(telegram, GROUP.id);
    expect(texts.filter((t) => t.startsWith("Models:"))).toHaveLength(1);
    expect(texts.filter((t) => !t.startsWith("Models:"))).toEqual(["echo: are you there?", "echo: and a reply to you", "echo: last one"]);
    expect(anthropic.requests.map(lastUserText)).toEqual(["are you there?", "and a reply to you", "last one"]);
  });

  it("a forum topic is its own session, answered in the topic, inheriting the group's model until it sets its own", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    const inTopic = { chat: FORUM, from: alice, message_thread_id: TOPIC };
    telegram.pushUserMessage({ chat: FORUM, from: alice, text: "/model haiku" });
    await waitForBotMessage(telegram, FORUM.id, (m) => m.text.startsWith("Model set to haiku"));

    telegram.pushUserMessage({ ...inTopic, text: "/status" });
    const status = await waitForBotMessage(telegram, FORUM.id, (m) => m.text.startsWith("Agent:"));
    expect(status.text).toContain(`Session: telegram:group:${FORUM.id}:topic:${TOPIC}`);
    expect(status.text).toContain("Model: anthropic/claude-haiku-5-5");
    expect(status.threadId).toBe(TOPIC);

    telegram.pushUserMessage({ ...inTopic, text: mention("in the topic") });
    const reply = await waitForBotText(telegram, FORUM.id, "echo: in the topic");
    expect(reply.threadId).toBe(TOPIC);
    expect(telegram.message(FORUM.id, reply.messageId)?.is_topic_message).toBe(true);
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-haiku-5-5");

    telegram.pushUserMessage({ ...inTopic, text: "/model opus" });
    await waitForBotMessage(telegram, FORUM.id, (m) => m.text.startsWith("Model set to opus") && m.threadId === TOPIC);
    telegram.pushUserMessage({ ...inTopic, text: mention("topic again") });
    await waitForBotText(telegram, FORUM.id, "echo: topic again");
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-opus-5-5");

    telegram.pushUserMessage({ chat: FORUM, from: alice, text: mention("back in General") });
    const general = await waitForBotText(telegram, FORUM.id, "echo: back in General");
    expect(general.threadId).toBeUndefined();
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-haiku-5-5");
    // Two sessions, two histories: the topic's second turn carries its first; General's first carries none.
    expect(anthropic.requests.map(lastUserText)).toEqual(["in the topic", "topic again", "back in General"]);
    expect(requestRoles(anthropic.requests[1])).toEqual(["user", "assistant", "user"]);
    expect(requestRoles(anthropic.requests[2])).toEqual(["user"]);
  });
});

describe("/model over Telegram", () => {
  it("switches and pins from chat, and switches again with an inline button", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    telegram.pushUserMessage({ from: alice, text: "/model haiku" });
    await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("Model set to haiku"));
    telegram.pushUserMessage({ from: alice, text: "after the switch" });
    await waitForBotText(telegram, alice.id, "echo: after the switch");
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-haiku-5-5");
    expect(anthropic.requests.at(-1)!.credential).toBe(KEY_A);

    telegram.pushUserMessage({ from: alice, text: "/model opus@anthropic:b" });
    const pinned = await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("Model set to opus"));
    expect(pinned.text).toContain("pinned to profile anthropic:b");
    telegram.pushUserMessage({ from: alice, text: "after the pin" });
    await waitForBotText(telegram, alice.id, "echo: after the pin");
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-opus-5-5");
    expect(anthropic.requests.at(-1)!.credential).toBe(KEY_B);

    telegram.pushUserMessage({ from: alice, text: "/model" });
    const menu = await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("Model:"));
    const labels = menu.last.reply_markup?.inline_keyboard.flat().map((b) => b.text) ?? [];
    expect(labels).toContain("✓ opus");
    expect(labels).toContain("haiku");

    const press = telegram.pushCallbackQuery({ from: alice, chatId: alice.id, messageId: menu.messageId, label: "haiku" });
    await telegram.waitFor(() => telegram.callbackAnswers.find((a) => a.callback_query_id === press.callback_query!.id), 10_000, "the callback answer");
    const switched = await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("Model set to haiku") && m.messageId > menu.messageId);
    expect(switched.text).toContain("for this chat");
    telegram.pushUserMessage({ from: alice, text: "after the button" });
    await waitForBotText(telegram, alice.id, "echo: after the button");
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-haiku-5-5");
  });

  it("refuses a pin from a user outside commands.allowFrom: told in a DM, silent in a group, nothing changes", async () => {
    // A fixed order, so "unchanged" means every turn starts with anthropic:a.
    stack = await startStack(anthropic, { config: { commands: { allowFrom: [String(alice.id)] }, auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } } });
    const { telegram } = stack;
    telegram.pushUserMessage({ from: bob, text: "/model sonnet@anthropic:b" });
    const refusal = await waitForBotMessage(telegram, bob.id, () => true);
    expect(refusal.text).toBe("You are not allowed to run /model sonnet@anthropic:b.");

    telegram.pushUserMessage({ chat: GROUP, from: bob, text: `/model@${BOT_USERNAME} sonnet@anthropic:b` });
    telegram.pushUserMessage({ chat: GROUP, from: bob, text: mention("still the defaults?") });
    await waitForBotText(telegram, GROUP.id, "echo: still the defaults?");
    expect(botTexts(telegram, GROUP.id)).toEqual(["echo: still the defaults?"]);
    telegram.pushUserMessage({ from: bob, text: "and here?" });
    await waitForBotText(telegram, bob.id, "echo: and here?");

    expect(anthropic.requests).toHaveLength(2);
    for (const request of anthropic.requests) {
      expect(request.credential).toBe(KEY_A);
      expect(requestModel(request)).toBe("claude-opus-4-5");
    }
  });

  it("/model status shows masked credentials and nothing the bot sends holds a whole secret", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    telegram.pushUserMessage({ from: alice, text: "/model status" });
    const status = await waitForBotMessage(telegram, alice.id, (m) => m.text.includes("Profile order:"));
    expect(status.text).toContain(maskSecret(KEY_A));
    expect(status.text).toContain(maskSecret(KEY_B));
    telegram.pushUserMessage({ chat: GROUP, from: alice, text: `/model@${BOT_USERNAME} status` });
    await waitForBotMessage(telegram, GROUP.id, (m) => m.text.includes("Profile order:"));

    const everythingSent = JSON.stringify(telegram.calls.map((c) => c.params));
    for (const secret of secrets(telegram)) {
      expect(everythingSent).not.toContain(secret);
      expect(stack.logs.join("")).not.toContain(secret);
    }
  });
});

describe("what the bot sends", () => {
  it("splits a long Markdown reply into valid HTML messages within 4096 characters, nothing lost", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    const prose = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `P${String(from + i).padStart(3, "0")} Some **prose** about the plan, with \`inline code\` & <angle> brackets and a few more words.`);
    const code = Array.from({ length: 80 }, (_, i) => `  const c${String(i).padStart(3, "0")} = compute(${i}, "value <${i}> & more"); // step ${i}`);
    const lines = [...prose(0, 30), "", "```ts", ...code, "```", "", ...prose(30, 30), "", "The end."];
    const reply = lines.join("\n");
    expect(reply.length).toBeGreaterThan(9000);
    anthropic.setDefault({ reply });

    telegram.pushUserMessage({ from: alice, text: "write me something long" });
    await waitForBotMessage(telegram, alice.id, (m) => m.text.endsWith("The end."), 30_000);
    const parts = botMessages(telegram, alice.id);

    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.text.length).toBeLessThanOrEqual(4096);
      // The fake parses HTML like Telegram and answers 400 to invalid markup; the plugin would then resend plain text.
      for (const record of part.records) expect(record.parse_mode).toBe("HTML");
    }
    const sentLines = parts.flatMap((part) => part.text.split("\n"));
    const plainProse = (line: string) => line.replaceAll("**", "").replaceAll("`", "");
    for (const line of lines.filter((l) => l.startsWith("P"))) expect(sentLines).toContain(plainProse(line));
    expect(sentLines).toContain("The end.");
    // Every code line arrives inside a pre entity, in order.
    const inPre = parts.flatMap((part) =>
      part.last.entities
        .filter((e) => e.type === "pre")
        .flatMap((e) => part.text.slice(e.offset, e.offset + e.length).split("\n")),
    );
    expect(inPre.filter((l) => l.trim() !== "")).toEqual(code);
  });

  it("recovers from 429s: a reply in several parts arrives whole, each part once", async () => {
    // Half the plugin's own pace (one message per chat per TEST_PACE interval), so back-to-back parts get 429s.
    const halfPace = { limit: 1, intervalMs: 2 * TEST_PACE.plugin.perChat.intervalMs, burst: 1 };
    stack = await startStack(anthropic, { telegram: { limits: { perChat: halfPace } } });
    const { telegram } = stack;
    const lines = Array.from({ length: 150 }, (_, i) => `Line ${String(i).padStart(3, "0")} of an answer long enough to need several messages.`);
    expect(lines.join("\n").length).toBeGreaterThan(2 * 4096);
    anthropic.setDefault({ reply: lines.join("\n") });
    telegram.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", retry_after: 1 });
    telegram.pushUserMessage({ from: alice, text: "a long answer, please" });
    await waitForBotMessage(telegram, alice.id, (m) => m.text.endsWith(lines.at(-1)!), 30_000);

    expect(telegram.count429).toBeGreaterThanOrEqual(2);
    const parts = botMessages(telegram, alice.id);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(telegram.sent.filter((r) => r.method === "sendMessage")).toHaveLength(parts.length);
    expect(parts.flatMap((p) => p.text.split("\n"))).toEqual(lines);
    expect(anthropic.requests).toHaveLength(1);
  });

  it("streams a slow reply into one message that is edited until complete", async () => {
    stack = await startStack(anthropic, { config: { gateway: { streaming: { editIntervalMs: 250 } } } });
    const { telegram } = stack;
    const reply = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} of a reply that arrives slowly.`).join(" ");
    // chunks further apart than the shortest edit interval (250 ms), so the message is edited as they come
    anthropic.setDefault({ reply, chunks: 6, delayMs: 300 });
    telegram.pushUserMessage({ from: alice, text: "take your time" });
    const done = await waitForBotText(telegram, alice.id, reply, 30_000);

    const sends = telegram.sent.filter((r) => r.chat_id === alice.id && r.method === "sendMessage");
    expect(sends).toHaveLength(1);
    expect(sends[0].plain_text.length).toBeLessThan(reply.length);
    expect(done.records.length).toBeGreaterThanOrEqual(2);
    expect(done.records.slice(1).every((r) => r.method === "editMessageText")).toBe(true);
    expect(botMessages(telegram, alice.id)).toHaveLength(1);
    expect(anthropic.requests).toHaveLength(1);
  });
});
