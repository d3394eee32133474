import fc from "fast-check";
import type { CallbackQuery, Message } from "grammy/types";
import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../../src/plugin-api.js";
import { conversationKey, normalizeCallbackQuery, normalizeMessage, type BotIdentity } from "./normalize.js";

const bot = { id: 900, username: "BatonBot" };
const user = { id: 7, is_bot: false, first_name: "Ada", last_name: "L" };
const group = { id: -100, type: "supergroup" as const, title: "G" };

function message(fields: Partial<Message> & { text?: string }): Message {
  return { message_id: 11, date: 1_700_000_000, chat: { id: 7, type: "private", first_name: "Ada" }, from: user, ...fields } as Message;
}

const mention = (text: string, handle: string) => ({ type: "mention" as const, offset: text.indexOf(handle), length: handle.length });

describe("normalizeMessage", () => {
  it("maps a private text message", () => {
    expect(normalizeMessage(message({ text: "hi there" }), bot, "acc")).toEqual({
      channel: "telegram",
      accountId: "acc",
      chatKind: "dm",
      chatId: "7",
      senderId: "7",
      senderName: "Ada L",
      senderIsBot: false,
      messageId: "11",
      text: "hi there",
      mentioned: false,
      timestamp: 1_700_000_000_000,
    });
  });

  it("strips the bot's @mention and the punctuation that addressed it", () => {
    const cases: Array<[string, string]> = [
      ["@BatonBot, what now?", "what now?"],
      ["hey @batonbot what now?", "hey what now?"],
      ["thanks @BatonBot", "thanks"],
    ];
    for (const [text, expected] of cases) {
      const handle = text.match(/@\w+/)?.[0] ?? "";
      const m = normalizeMessage(message({ chat: group, text, entities: [mention(text, handle)] }), bot, "a");
      expect(m).toMatchObject({ chatKind: "group", text: expected, mentioned: true });
    }
  });

  it("finds the mention by pattern when Telegram sent no entities", () => {
    expect(normalizeMessage(message({ chat: group, text: "@BatonBot  ping" }), bot, "a")).toMatchObject({ text: "ping", mentioned: true });
    expect(normalizeMessage(message({ chat: group, text: "mail me@BatonBot.dev" }), bot, "a")).toMatchObject({ mentioned: false });
  });

  it("leaves other people's mentions and spacing alone", () => {
    const text = "@alice look:\n    indented  code";
    const m = normalizeMessage(message({ chat: group, text, entities: [mention(text, "@alice")] }), bot, "a");
    expect(m).toMatchObject({ text, mentioned: false });
  });

  it("normalizes /cmd@BotName and drops commands for other bots", () => {
    const own = normalizeMessage(message({ chat: group, text: "/model@BatonBot opus@anthropic:work" }), bot, "a");
    expect(own).toMatchObject({ text: "/model opus@anthropic:work", mentioned: true });
    expect(normalizeMessage(message({ chat: group, text: "/status" }), bot, "a")).toMatchObject({ text: "/status", mentioned: true });
    expect(normalizeMessage(message({ chat: group, text: "/model@OtherBot opus" }), bot, "a")).toBeUndefined();
  });

  it("counts a reply to the bot as addressed, but not a forum topic's root", () => {
    const botMessage = { message_id: 5, date: 1, chat: group, from: { id: 900, is_bot: true, first_name: "Baton" } } as Message;
    const reply = normalizeMessage(message({ chat: group, text: "yes", reply_to_message: botMessage as never }), bot, "a");
    expect(reply).toMatchObject({ mentioned: true, replyToMessageId: "5" });

    const forum = { ...group, is_forum: true as const };
    const root = { ...botMessage, message_id: 30, chat: forum, forum_topic_created: { name: "t", icon_color: 1 } };
    const inTopic = normalizeMessage(
      message({ chat: forum, text: "hello", message_thread_id: 30, is_topic_message: true, reply_to_message: root as never }),
      bot,
      "a",
    );
    expect(inTopic).toMatchObject({ topicId: "30", mentioned: false });
    expect(inTopic?.replyToMessageId).toBeUndefined();
  });

  it("ignores a reply thread id outside forums", () => {
    const m = normalizeMessage(message({ chat: group, text: "x", message_thread_id: 4 }), bot, "a");
    expect(m?.topicId).toBeUndefined();
  });

  it("uses captions, and ignores bots, channel posts and messages without text", () => {
    expect(normalizeMessage(message({ caption: "look", photo: [] } as never), bot, "a")).toMatchObject({ text: "look" });
    expect(normalizeMessage(message({ text: "x", from: { ...user, is_bot: true } }), bot, "a")).toBeUndefined();
    expect(normalizeMessage(message({ text: "x", chat: { id: -5, type: "channel", title: "c" } }), bot, "a")).toBeUndefined();
    expect(normalizeMessage(message({ sticker: {} } as never), bot, "a")).toBeUndefined();
    // a file without a caption is a message with empty text (the plugin adds the attachment)
    expect(normalizeMessage(message({ photo: [{ file_id: "p", width: 90, height: 90 }] } as never), bot, "a")).toMatchObject({ text: "" });
  });
});

describe("normalizeMessage on malformed input", () => {
  const chat = { id: 7, type: "private", first_name: "Ada" };

  it("ignores what it cannot use instead of throwing", () => {
    const shapes: unknown[] = [
      null,
      undefined,
      "not an object",
      42,
      [message({ text: "in an array" })],
      { message_id: 1, date: 1, chat, text: "no sender" },
      { message_id: 1, date: 1, from: user, text: "no chat" },
      { message_id: 1, date: 1, from: user, chat: "7", text: "chat is a string" },
      { message_id: 1, date: 1, from: user, chat: { id: "7", type: "private" }, text: "chat id is a string" },
      { message_id: 1, date: 1, from: user, chat: { id: 7 }, text: "chat without type" },
      { message_id: 1, date: 1, from: { first_name: "no id" }, chat, text: "sender without id" },
      { date: 1, from: user, chat, text: "no message id" },
      { message_id: "1", date: 1, from: user, chat, text: "message id is a string" },
      { message_id: 1, date: 1, from: user, chat, text: 12345 },
      { message_id: 1, date: 1, from: user, chat, caption: { not: "text" } },
      { message_id: 1, date: 1, from: user, chat },
    ];
    for (const shape of shapes) expect(normalizeMessage(shape, bot, "a"), JSON.stringify(shape)).toBeUndefined();
  });

  it("uses what is sound and drops broken parts", () => {
    const brokenEntity = normalizeMessage(message({ text: "/model", entities: [{ type: "bot_command", offset: 40, length: 99 }] }), bot, "a");
    expect(brokenEntity).toMatchObject({ text: "/model", mentioned: true });
    const entitiesNotAList = normalizeMessage({ ...message({ chat: group, text: "@BatonBot hi" }), entities: "oops" }, bot, "a");
    expect(entitiesNotAList).toMatchObject({ text: "hi", mentioned: true }); // found by pattern
    const junkEntities = normalizeMessage({ ...message({ chat: group, text: "@BatonBot hi" }), entities: [null, { type: "mention" }, 3] }, bot, "a");
    expect(junkEntities).toMatchObject({ text: "@BatonBot hi", mentioned: false }); // Telegram's list is authoritative, and empty
    const oddSender = normalizeMessage({ ...message({ text: "x" }), from: { id: 7, first_name: 5, username: "ada" }, date: "yesterday" }, bot, "a");
    expect(oddSender).toMatchObject({ senderId: "7", senderName: "ada" });
    expect(oddSender?.timestamp).toBeUndefined();
    const oddReply = normalizeMessage({ ...message({ chat: group, text: "x" }), reply_to_message: "5", message_thread_id: "3", is_topic_message: true }, bot, "a");
    expect(oddReply).toMatchObject({ text: "x", mentioned: false });
    expect(oddReply?.replyToMessageId).toBeUndefined();
    expect(oddReply?.topicId).toBeUndefined();
  });
});

describe("normalizeCallbackQuery", () => {
  it("ignores malformed presses", () => {
    const keyboard = { message_id: 40, date: 2, chat: group };
    const from = { id: 8, is_bot: false, first_name: "Bo" };
    const shapes: unknown[] = [
      null,
      "press",
      { id: "1", message: keyboard },
      { id: "1", from: { first_name: "no id" }, message: keyboard },
      { id: 1, from, message: keyboard },
      { id: "1", from, message: "keyboard" },
      { id: "1", from, message: { date: 2, chat: group } },
      { id: "1", from, message: { message_id: 40, date: 2 } },
      { id: "1", from: { ...from, is_bot: true }, message: keyboard },
    ];
    for (const shape of shapes) expect(normalizeCallbackQuery(shape, "/help", "a"), JSON.stringify(shape)).toBeUndefined();
  });

  it("turns a press into the button's command from the presser, in the keyboard's chat and topic", () => {
    const keyboard = { message_id: 40, date: 2, chat: { ...group, is_forum: true as const }, message_thread_id: 3, is_topic_message: true } as Message;
    const query = { id: "8812", from: { id: 8, is_bot: false, first_name: "Bo" }, message: keyboard, chat_instance: "1", data: "/model opus" } as CallbackQuery;
    expect(normalizeCallbackQuery(query, "/model opus", "a")).toMatchObject({
      chatKind: "group",
      chatId: "-100",
      topicId: "3",
      senderId: "8",
      senderName: "Bo",
      messageId: "callback:8812",
      replyToMessageId: "40",
      text: "/model opus",
      mentioned: true,
    });
  });

  it("ignores presses on inline-mode messages", () => {
    const query = { id: "1", from: { id: 8, is_bot: false, first_name: "Bo" }, inline_message_id: "x", chat_instance: "1", data: "/help" } as CallbackQuery;
    expect(normalizeCallbackQuery(query, "/help", "a")).toBeUndefined();
  });
});

describe("conversationKey", () => {
  it("separates forum topics and nothing else", () => {
    expect(conversationKey(-100, { is_topic_message: true, message_thread_id: 3 })).toBe("-100:3");
    expect(conversationKey(-100, { message_thread_id: 3 })).toBe("-100");
    expect(conversationKey(undefined, undefined)).toBeUndefined();
  });
});

describe("normalizers on whatever a Bot API may send (fast-check)", () => {
  /** Any JS value, far beyond what JSON can carry. */
  const anything = fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withSparseArray: true, withBoxedValues: true, withObjectString: true });
  /** A field that is mostly of the right kind, sometimes of any kind, sometimes missing. */
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: anything }, { weight: 1, arbitrary: fc.constantFrom(undefined, null) });
  const handle = fc.constantFrom("BatonBot", "batonbot", "Other_bot", "a(b", "x".repeat(40));
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: "grapheme", maxLength: 200 }),
    fc.tuple(fc.constantFrom("/", "/model", "@", ""), handle, fc.constantFrom(" ", ", ", ":", "@", ""), fc.string()).map((parts) => parts.join("")),
    fc.tuple(fc.constantFrom("/model@", "@", "hi @"), handle, fc.string()).map((parts) => parts.join("")),
    // huge: far over Telegram's 4096
    fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1000, max: 20_000 })).map(([unit, times]) => unit.repeat(times)),
  );
  const integer = fc.oneof(
    { weight: 8, arbitrary: fc.integer() },
    { weight: 2, arbitrary: fc.integer({ min: -5, max: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 0.5) },
    { weight: 1, arbitrary: fc.double() },
  );
  const user = fc.record(
    { id: maybe(integer), is_bot: maybe(fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })), first_name: maybe(text), last_name: maybe(text), username: maybe(handle) },
    { requiredKeys: ["id", "is_bot"] },
  );
  const chat = fc.record(
    { id: maybe(integer), type: maybe(fc.constantFrom("private", "group", "supergroup", "private", "group", "supergroup", "channel", "secret")), is_forum: maybe(fc.boolean()), title: maybe(text) },
    { requiredKeys: ["id", "type"] },
  );
  const entity = fc.record(
    {
      type: maybe(fc.constantFrom("mention", "bot_command", "text_mention", "bold")),
      offset: maybe(fc.integer({ min: -5, max: 300 })),
      length: maybe(fc.integer({ min: -5, max: 300 })),
      user: maybe(user),
    },
    { requiredKeys: [] },
  );
  const messageFields = {
    message_id: maybe(integer),
    date: maybe(fc.oneof(integer, fc.constant(Number.NaN))),
    from: maybe(user),
    sender_chat: maybe(chat),
    chat: maybe(chat),
    text: maybe(text),
    caption: maybe(text),
    entities: maybe(fc.array(maybe(entity), { maxLength: 8 })),
    caption_entities: maybe(fc.array(maybe(entity), { maxLength: 8 })),
    is_topic_message: maybe(fc.boolean()),
    message_thread_id: maybe(integer),
  };
  const essential = ["message_id", "from", "chat"] as const;
  const innerMessage = fc.record(messageFields, { requiredKeys: [...essential] });
  const fullMessage = fc.record({ ...messageFields, reply_to_message: maybe(innerMessage) }, { requiredKeys: [...essential] });
  const callbackQuery = fc.record(
    { id: maybe(fc.string()), from: maybe(user), message: maybe(fullMessage), data: maybe(text), chat_instance: maybe(fc.string()) },
    { requiredKeys: ["id", "from", "message"] },
  );
  const update = fc.record(
    { update_id: maybe(integer), message: maybe(fullMessage), edited_message: maybe(fullMessage), callback_query: maybe(callbackQuery) },
    { requiredKeys: [] },
  );
  const identity: fc.Arbitrary<BotIdentity> = fc.record({ id: fc.oneof(fc.integer(), integer), username: fc.oneof(handle, fc.string()) });
  const field = (value: unknown, key: string): unknown => (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined);

  /** What every normalized message holds, whatever went in. */
  function checkShape(result: InboundMessage | undefined, raw: unknown): void {
    if (result === undefined) return;
    expect(result.chatId).toMatch(/^-?\d+$/);
    expect(result.senderId).toMatch(/^-?\d+$/);
    expect(typeof result.text).toBe("string");
    if (typeof raw === "string") expect(result.text.length).toBeLessThanOrEqual(raw.length);
    if (result.timestamp !== undefined) expect(Number.isFinite(result.timestamp)).toBe(true);
  }

  /** Normalizes every part of `value` that could be a message or a press; returns how many came out as messages. */
  function normalizeAll(value: unknown, bot: BotIdentity, command: string): number {
    let normalized = 0;
    for (const candidate of [value, field(value, "message"), field(value, "edited_message")]) {
      const result = normalizeMessage(candidate, bot, "default");
      checkShape(result, field(candidate, "text") ?? field(candidate, "caption"));
      conversationKey(field(field(candidate, "chat"), "id"), candidate);
      if (result) normalized++;
    }
    for (const candidate of [field(value, "callback_query"), value]) {
      const result = normalizeCallbackQuery(candidate, command, "default");
      checkShape(result, undefined);
      if (result) normalized++;
    }
    conversationKey(value, value);
    return normalized;
  }

  it("never throws on updates shaped like Telegram's with odd, missing and huge fields", () => {
    let normalized = 0;
    fc.assert(
      fc.property(update, identity, text, (u, bot, command) => {
        normalized += normalizeAll(u, bot, command);
      }),
      { numRuns: 1000 },
    );
    // The arbitraries are close enough to real updates that a good share gets all the way through.
    expect(normalized).toBeGreaterThan(150);
  });

  it("never throws on any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), identity, (value, bot) => {
        normalizeAll(value, bot, "/help");
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on any value at all", () => {
    fc.assert(
      fc.property(anything, anything, identity, (value, other, bot) => {
        normalizeAll(value, bot, "/help");
        conversationKey(value, other);
        conversationKey(other, value);
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves out a date too large to be a time (found by the property above)", () => {
    expect(normalizeMessage(message({ text: "x", date: 1e306 }), bot, "acc")).not.toHaveProperty("timestamp");
  });

  it("finds the bot's mention however its username is spelled (no regular-expression injection)", () => {
    const strange = { id: 1, username: "a.b" };
    expect(normalizeMessage(message({ text: "@axb hello" }), strange, "acc")?.mentioned).toBe(false);
    expect(normalizeMessage(message({ text: "@a.b hello" }), strange, "acc")).toMatchObject({ mentioned: true, text: "hello" });
  });
});
