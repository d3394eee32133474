import { describe, expect, it } from "vitest";
import { type BotIdentity, type MessageFacts, toCommandInbound, toInboundMessage } from "./inbound.js";

const bot: BotIdentity = { accountId: "default", userId: "900", roleIds: ["950"] };

function facts(overrides: Partial<MessageFacts> = {}): MessageFacts {
  return {
    id: "1000",
    channelId: "10",
    guildId: "1",
    isThread: false,
    author: { id: "42", name: "Alice", isBot: false },
    type: 0,
    content: "hello",
    mentionedUserIds: [],
    mentionedRoleIds: [],
    timestamp: 1_700_000_000_000,
    ...overrides,
  };
}

describe("toInboundMessage", () => {
  it("maps a guild channel message", () => {
    expect(toInboundMessage(facts(), bot)).toEqual({
      channel: "discord",
      accountId: "default",
      chatKind: "channel",
      chatId: "10",
      guildId: "1",
      senderId: "42",
      senderName: "Alice",
      senderIsBot: false,
      messageId: "1000",
      text: "hello",
      mentioned: false,
      timestamp: 1_700_000_000_000,
    });
  });

  it("maps a DM to chatKind dm without a guild", () => {
    const message = toInboundMessage(facts({ guildId: undefined, channelId: "77" }), bot);
    expect(message).toMatchObject({ chatKind: "dm", chatId: "77" });
    expect(message?.guildId).toBeUndefined();
  });

  it("maps a thread to its own chat with the parent channel", () => {
    expect(toInboundMessage(facts({ channelId: "11", isThread: true, parentId: "10" }), bot)).toMatchObject({
      chatKind: "channel",
      chatId: "11",
      parentChatId: "10",
    });
  });

  it("is mentioned by a user mention, a reply to the bot, or the bot's role, and strips the mention", () => {
    expect(toInboundMessage(facts({ content: "<@900> hi", mentionedUserIds: ["900"] }), bot)).toMatchObject({ mentioned: true, text: "hi" });
    expect(toInboundMessage(facts({ repliedUserId: "900", replyToMessageId: "999", type: 19 }), bot)).toMatchObject({
      mentioned: true,
      replyToMessageId: "999",
    });
    expect(toInboundMessage(facts({ content: "<@&950> hi", mentionedRoleIds: ["950"] }), bot)).toMatchObject({ mentioned: true, text: "hi" });
    expect(toInboundMessage(facts({ content: "<@43> hi", mentionedUserIds: ["43"] }), bot)).toMatchObject({ mentioned: false, text: "<@43> hi" });
  });

  it("ignores the bot's own messages, other bots, webhooks and system messages", () => {
    expect(toInboundMessage(facts({ author: { id: "900", isBot: true } }), bot)).toBeNull();
    expect(toInboundMessage(facts({ author: { id: "5", isBot: true } }), bot)).toBeNull();
    expect(toInboundMessage(facts({ webhookId: "6" }), bot)).toBeNull();
    expect(toInboundMessage(facts({ type: 7 }), bot)).toBeNull();
  });
});

describe("toCommandInbound", () => {
  it("makes a native command an addressed message with its args", () => {
    const message = toCommandInbound(
      { interactionId: "5", channelId: "10", guildId: "1", isThread: false, user: { id: "42", isBot: false }, text: "/model", args: { model: "opus" }, timestamp: 1 },
      "default",
    );
    expect(message).toEqual({
      channel: "discord",
      accountId: "default",
      chatKind: "channel",
      chatId: "10",
      guildId: "1",
      senderId: "42",
      senderIsBot: false,
      messageId: "5",
      text: "/model",
      mentioned: true,
      timestamp: 1,
      commandArgs: { model: "opus" },
    });
  });
});
