import fc from "fast-check";
import type { Message } from "discord.js";
import { describe, expect, it } from "vitest";
import { messageFacts } from "./facts.js";
import { type BotIdentity, type MessageFacts, toInboundMessage } from "./inbound.js";

const NUM_RUNS = 2000;
const bot: BotIdentity = { accountId: "default", userId: "900", roleIds: ["950"] };

/** Strings a peer may send: ordinary, full Unicode, mention-like, and a few huge ones. */
const HUGE = ["a".repeat(200_000), `<@900> `.repeat(30_000), `${"<@".repeat(50_000)}900>`, "\u200b".repeat(100_000)];
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.constantFrom("", " ", "<@900>", "<@!900> hi", "<@&950>", "<@<@900>900>", "/model opus", "\u0000", "\ud800"),
  fc.constantFrom(...HUGE),
);
const snowflake = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String), fc.constantFrom("900", "950", "0", ""));
/** A field's value: mostly the right type, often any JSON at all. */
const odd = <T>(right: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: right }, { weight: 2, arbitrary: fc.jsonValue() }, fc.constantFrom(undefined, null, NaN, -1, {}, []));

/** MessageFacts as our code reads them, with any field missing, mistyped, huge or odd. */
const messageFactsLike = fc.record(
  {
    id: odd(snowflake),
    channelId: odd(snowflake),
    guildId: odd(snowflake),
    isThread: odd(fc.boolean()),
    parentId: odd(snowflake),
    author: odd(fc.record({ id: odd(snowflake), name: odd(text), isBot: odd(fc.boolean()) }, { requiredKeys: [] })),
    webhookId: odd(snowflake),
    type: odd(fc.constantFrom(0, 19, 7, 20, 46)),
    content: odd(text),
    mentionedUserIds: odd(fc.array(odd(snowflake), { maxLength: 5 })),
    mentionedRoleIds: odd(fc.array(odd(snowflake), { maxLength: 5 })),
    repliedUserId: odd(snowflake),
    replyToMessageId: odd(snowflake),
    timestamp: odd(fc.integer()),
  },
  { requiredKeys: [] },
);

/** A discord.js Message as facts.ts reads it: methods and Collections, any of them missing or odd. */
const messageLike = fc.record(
  {
    id: odd(snowflake),
    channelId: odd(snowflake),
    guildId: odd(snowflake),
    channel: odd(fc.record({ isThread: fc.boolean().map((yes) => () => yes), parentId: odd(snowflake) }, { requiredKeys: [] })),
    author: odd(fc.record({ id: odd(snowflake), bot: odd(fc.boolean()), username: odd(text), globalName: odd(text) }, { requiredKeys: [] })),
    member: odd(fc.record({ displayName: odd(text) }, { requiredKeys: [] })),
    webhookId: odd(snowflake),
    type: odd(fc.constantFrom(0, 19, 7)),
    content: odd(text),
    mentions: odd(
      fc.record(
        {
          users: odd(fc.array(snowflake, { maxLength: 4 }).map((ids) => new Map(ids.map((id) => [id, { id }])))),
          roles: odd(fc.array(snowflake, { maxLength: 4 }).map((ids) => new Map(ids.map((id) => [id, { id }])))),
          repliedUser: odd(fc.record({ id: odd(snowflake) }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    ),
    reference: odd(fc.record({ messageId: odd(snowflake) }, { requiredKeys: [] })),
    createdTimestamp: odd(fc.integer()),
  },
  { requiredKeys: [] },
);

function expectWellFormed(inbound: ReturnType<typeof toInboundMessage>): void {
  if (inbound === null) return;
  expect(inbound.channel).toBe("discord");
  expect(["dm", "channel"]).toContain(inbound.chatKind);
  for (const field of [inbound.chatId, inbound.senderId, inbound.messageId]) expect(typeof field === "string" && field.length > 0).toBe(true);
  expect(typeof inbound.text).toBe("string");
  expect(inbound.text).toBe(inbound.text.trim());
  expect(typeof inbound.mentioned).toBe("boolean");
  expect(inbound.senderIsBot).toBe(false);
  expect(inbound.senderId).not.toBe(bot.userId);
  for (const optional of [inbound.guildId, inbound.parentChatId, inbound.senderName, inbound.replyToMessageId]) {
    if (optional !== undefined) expect(typeof optional === "string" && optional.length > 0).toBe(true);
  }
  if (inbound.timestamp !== undefined) expect(Number.isFinite(inbound.timestamp)).toBe(true);
}

describe("inbound normalizer under random gateway payloads", () => {
  it(`never throws on message facts with missing, mistyped, huge or odd fields, nor on any JSON (${NUM_RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: messageFactsLike }, { weight: 1, arbitrary: fc.jsonValue() }), (facts) => {
        expectWellFormed(toInboundMessage(facts as MessageFacts, bot));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it(`reads any Message-shaped object into facts the normalizer takes, without throwing (${NUM_RUNS} runs)`, () => {
    fc.assert(
      fc.property(messageLike, (message) => {
        const facts = messageFacts(message as unknown as Message);
        if (facts) expectWellFormed(toInboundMessage(facts, bot));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("answers only messages it can attribute: a valid human message always comes through", () => {
    fc.assert(
      fc.property(snowflake.filter((id) => id !== "" && id !== bot.userId), fc.string(), (senderId, content) => {
        const inbound = toInboundMessage(
          { id: "1", channelId: "10", isThread: false, author: { id: senderId, isBot: false }, type: 0, content, mentionedUserIds: [], mentionedRoleIds: [], timestamp: 1 },
          bot,
        );
        expect(inbound).toMatchObject({ senderId, chatKind: "dm", chatId: "10", messageId: "1" });
      }),
      { numRuns: 500 },
    );
  });
});
