/**
 * How replies look on Telegram (issue 15): the /start greeting, group replies quoting the message
 * they answer, streaming without needless edits, /stop answering once, a reply cut off by a
 * restart repaired in place, and photos reaching the model as images.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { INTERRUPTED_NOTE, STOPPED_NOTE } from "../../src/chat/delivery.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { alice, BOT_USERNAME, botMessages, GROUP, KEY_A, startStack, waitForBotMessage, waitForBotText, type Stack } from "./telegram-helpers.js";

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

const EDIT_INTERVAL_MS = 300;
const streaming = { gateway: { streaming: { editIntervalMs: EDIT_INTERVAL_MS } } };
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

describe("Telegram replies", () => {
  it("greets /start in plain words, saying how to use /model, and /start is not in the command menu", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    telegram.pushUserMessage({ from: alice, text: "/start" });
    const greeting = await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("Hello!"));
    expect(greeting.text).toContain("/model");
    expect(greeting.text).toContain("anthropic/claude");
    expect(greeting.text).not.toContain("Unknown command");
    expect(anthropic.requests).toHaveLength(0);
    await telegram.waitFor(() => telegram.commands, 10_000, "the command menu");
    expect(telegram.commands!.map((c) => c.command)).not.toContain("start");
    expect(telegram.commands!.map((c) => c.command)).toContain("model");
  });

  it("sends a short reply once, without an edit", async () => {
    stack = await startStack(anthropic, { config: streaming });
    const { telegram } = stack;
    telegram.pushUserMessage({ from: alice, text: "a question that gets a short answer" });
    await waitForBotText(telegram, alice.id, "echo: a question that gets a short answer");
    expect(telegram.sent.filter((r) => r.chat_id === alice.id).map((r) => r.method)).toEqual(["sendMessage"]);
    expect(telegram.calls.filter((c) => c.method === "editMessageText")).toEqual([]);
  });

  it("in a group, quotes the message it answers in the first part only, and not in DMs", async () => {
    stack = await startStack(anthropic, { config: streaming });
    const { telegram } = stack;
    const asked = telegram.pushUserMessage({ chat: GROUP, from: alice, text: `@${BOT_USERNAME} short one` });
    const short = await waitForBotText(telegram, GROUP.id, "echo: short one");
    expect(short.records[0].reply_to_message_id).toBe(asked.message!.message_id);
    expect(telegram.calls.find((c) => c.method === "sendMessage")?.params.reply_parameters).toEqual({
      message_id: asked.message!.message_id,
      allow_sending_without_reply: true,
    });

    anthropic.setDefault({ reply: words(1500), chunks: 3 });
    const long = telegram.pushUserMessage({ chat: GROUP, from: alice, text: `@${BOT_USERNAME} long one` });
    await telegram.waitFor(() => botMessages(telegram, GROUP.id).length >= 3 && botMessages(telegram, GROUP.id).at(-1)!.text.includes("word1499"), 15_000, "a reply of two parts");
    const [, first, second] = botMessages(telegram, GROUP.id);
    expect(first.records[0].reply_to_message_id).toBe(long.message!.message_id);
    expect(second.records.every((r) => r.reply_to_message_id === undefined)).toBe(true);

    anthropic.setDefault(undefined);
    telegram.pushUserMessage({ from: alice, text: "in private" });
    const dm = await waitForBotText(telegram, alice.id, "echo: in private");
    expect(dm.records[0].reply_to_message_id).toBeUndefined();
  });

  it("/stop answers once; the preview keeps the text so far, marked stopped", async () => {
    stack = await startStack(anthropic, { config: streaming });
    const { telegram } = stack;
    anthropic.script(KEY_A, { reply: words(400), chunks: 40, delayMs: 150 });
    telegram.pushUserMessage({ from: alice, text: "tell me a long story" });
    const preview = await waitForBotMessage(telegram, alice.id, (m) => m.text.endsWith("…"));
    telegram.pushUserMessage({ from: alice, text: "/stop" });
    await waitForBotText(telegram, alice.id, "Stopped.");
    await telegram.waitFor(() => telegram.message(alice.id, preview.messageId)?.text?.endsWith(STOPPED_NOTE), 10_000, "the preview marked stopped");
    // nothing else arrives: the last message the bot sent is the one "Stopped."
    telegram.pushUserMessage({ from: alice, text: "next" });
    await waitForBotText(telegram, alice.id, "echo: next");
    const texts = botMessages(telegram, alice.id).map((m) => m.text);
    expect(texts.filter((t) => t.includes("Stopped."))).toHaveLength(1);
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(/^word0 word1 .*\n\(stopped\)$/s);
  });

  it("a reply cut off by a shutdown says so, and after the restart the answer replaces it", async () => {
    stack = await startStack(anthropic, { config: streaming });
    const { telegram } = stack;
    anthropic.script(KEY_A, { reply: words(400), chunks: 40, delayMs: 150 });
    telegram.pushUserMessage({ from: alice, text: "tell me a long story" });
    const preview = await waitForBotMessage(telegram, alice.id, (m) => m.text.endsWith("…"));

    await stack.restart();
    expect(telegram.message(alice.id, preview.messageId)?.text?.endsWith(INTERRUPTED_NOTE)).toBe(true);
    // the journal offers the message again; this time the model answers at once
    await waitForBotText(telegram, alice.id, "echo: tell me a long story");
    expect(botMessages(telegram, alice.id).map((m) => m.messageId)).toEqual([preview.messageId]);
    expect(anthropic.requests).toHaveLength(2);
  });
});
