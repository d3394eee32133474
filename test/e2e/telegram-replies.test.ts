/**
 * How replies look on Telegram (issue 15): the /start greeting, group replies quoting the message
 * they answer, streaming without needless edits, /stop answering once, a reply cut off by a
 * restart repaired in place, and photos reaching the model as images.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { INTERRUPTED_NOTE, STOPPED_NOTE } from "../../src/chat/delivery.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { jpegOfSize, PNG_1PX } from "../support/images.js";
import { alice, BOT_USERNAME, botMessages, GROUP, KEY_A, lastUserImages, lastUserText, startStack, waitForBotMessage, waitForBotText, type Stack } from "./telegram-helpers.js";

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

  it("a photo reaches the model as an image block with its caption, the largest size within 5 MB; the history keeps a reference", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    const [small, large, huge] = telegram.photoSizes([jpegOfSize(2_000), jpegOfSize(60_000), jpegOfSize(6 * 1024 * 1024)]);
    telegram.pushUserMessage({ from: alice, caption: "what is in this picture?", extra: { photo: [small, large, huge] } });
    await waitForBotText(telegram, alice.id, "echo: what is in this picture?");
    const request = anthropic.requests[0];
    expect(lastUserImages(request)).toEqual([{ mediaType: "image/jpeg", bytes: 60_000 }]);
    expect(lastUserText(request)).toBe("what is in this picture?");
    expect(telegram.fileDownloads).toHaveLength(1);

    telegram.pushUserMessage({ from: alice, text: "and now?" });
    await waitForBotText(telegram, alice.id, "echo: and now?");
    const history = JSON.stringify((anthropic.requests[1].body as { messages: unknown[] }).messages);
    expect(history).toContain("what is in this picture?\\n[image: image/jpeg, 59 KB]");
    expect(history).not.toContain(jpegOfSize(60_000).toString("base64").slice(0, 40));
  });

  it("an image document is read by its bytes; other files and images over 5 MB get a plain note and are not sent", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    const png = telegram.addFile(PNG_1PX, "png");
    telegram.pushUserMessage({ from: alice, extra: { document: { ...png, file_name: "dot.png", mime_type: "image/png" } } });
    await waitForBotText(telegram, alice.id, "echo:");
    expect(lastUserImages(anthropic.requests[0])).toEqual([{ mediaType: "image/png", bytes: PNG_1PX.length }]);

    const pdf = telegram.addFile(Buffer.from("%PDF-1.7 not really"), "pdf");
    telegram.pushUserMessage({ from: alice, extra: { document: { ...pdf, file_name: "report.pdf", mime_type: "application/pdf" } } });
    await waitForBotText(telegram, alice.id, 'I can only read images; "report.pdf" was not sent to the model.');

    const big = telegram.addFile(jpegOfSize(6 * 1024 * 1024), "jpg");
    telegram.pushUserMessage({ from: alice, caption: "and this one?", extra: { document: { ...big, file_name: "big.jpg", mime_type: "image/jpeg" } } });
    await waitForBotText(telegram, alice.id, '"big.jpg" is 6 MB; I can read images up to 5 MB, so it was not sent to the model.');
    await waitForBotText(telegram, alice.id, "echo: and this one?");
    expect(lastUserImages(anthropic.requests.at(-1)!)).toEqual([]);
    expect(anthropic.requests).toHaveLength(2);
    expect(telegram.fileDownloads).toHaveLength(1);
  });
});
