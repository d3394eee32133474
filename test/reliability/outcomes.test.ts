import { describe, expect, it } from "vitest";
import type { SentRecord } from "../fakes/telegram/index.js";
import { botMessagesByChat, matchOutcomes, type Inbound } from "./outcomes.js";

let at = 0;
function record(chatId: number, messageId: number, text: string, method: SentRecord["method"] = "sendMessage"): SentRecord {
  return { method, chat_id: chatId, message_id: messageId, text, plain_text: text, entities: [], at: ++at };
}

const inbound = (chatId: number, ...texts: string[]): Inbound[] => texts.map((text) => ({ chatId, text, label: text }));

describe("botMessagesByChat", () => {
  it("keeps each message's last text, in the order messages were first sent", () => {
    const byChat = botMessagesByChat([record(1, 5, "echo: a …"), record(1, 6, "echo: b"), record(1, 5, "echo: a", "editMessageText"), record(2, 1, "x")]);
    expect(byChat.get(1)!.map((m) => [m.messageId, m.text, m.writes])).toEqual([
      [5, "echo: a", 2],
      [6, "echo: b", 1],
    ]);
    expect(byChat.get(2)!.map((m) => m.text)).toEqual(["x"]);
  });
});

describe("matchOutcomes", () => {
  it("ties echoes to their message and places error messages in order", () => {
    const messages = inbound(1, "a", "b", "c");
    const report = matchOutcomes(messages, [record(1, 1, "echo: a"), record(1, 2, "Anthropic is overloaded right now (529)."), record(1, 3, "echo: c")]);
    expect(report.problems).toEqual([]);
    expect(messages.map((m) => report.outcomes.get(m)!.kind)).toEqual(["reply", "error", "reply"]);
    expect([report.replies, report.errors, report.missing]).toEqual([2, 1, []]);
  });

  it("flags a message answered twice", () => {
    const report = matchOutcomes(inbound(1, "a"), [record(1, 1, "echo: a"), record(1, 2, "echo: a")]);
    expect(report.problems).toEqual(["chat 1: a answered twice (message 2)"]);
  });

  it("reports messages without an outcome, and bot messages nobody asked for", () => {
    const messages = inbound(1, "a", "b");
    const report = matchOutcomes(messages, [record(1, 1, "echo: b"), record(1, 2, "Something went wrong"), record(2, 1, "echo: z")]);
    expect(report.missing).toEqual([messages[0]]);
    expect(report.problems).toEqual(['chat 1: unexpected bot message: "Something went wrong"', 'chat 2: reply to no message sent: "echo: z"']);
  });

  it("flags replies out of order and error messages with nothing left to explain", () => {
    const report = matchOutcomes(inbound(1, "a", "b"), [record(1, 1, "echo: b"), record(1, 2, "echo: a"), record(1, 3, "No available auth profile for anthropic")]);
    expect(report.problems).toEqual([
      "chat 1: reply to a came after a later message's outcome",
      'chat 1: error message with no message left to explain it: "No available auth profile for anthropic"',
    ]);
  });
});
