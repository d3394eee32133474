import { DiscordAPIError, GatewayIntentBits } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import type { InboundMessage } from "../../src/plugin-api.js";
import { startFakeDiscord } from "../../test/fakes/discord/index.js";
import { createDiscordPlugin } from "./index.js";
import { alice, BOT_ROLE, createHarness, DM, GENERAL, GUILD, part, type Rig, startRig as setup, stopRigs, THREAD } from "./test-harness.js";

const otherBot = { id: "200000000000000002", username: "helper", bot: true };

afterEach(stopRigs);

/** The core's simplest behaviour: answer every message in its chat, as a reply. */
async function echo({ plugin }: Rig, message: InboundMessage): Promise<void> {
  const text = `echo: ${message.text}`;
  await plugin.send({ chatId: message.chatId, replyToMessageId: message.messageId }, { text, plainText: text });
}

const byId = (id: string) => (message: InboundMessage) => message.messageId === id;

describe("discord plugin against the fake Discord", () => {
  it("connects through apiRoot with the intents it needs and the gateway URL from /gateway/bot", async () => {
    const { fake } = await setup();
    expect(fake.gatewayConnections[0]).toEqual({ path: "/gateway", query: { v: "10", encoding: "json" } });
    const intents = fake.identifies[0].intents;
    for (const bit of [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages]) {
      expect(intents & bit).toBe(bit);
    }
  });

  it("holds a DM conversation", async () => {
    const rig = await setup({ handle: echo });
    const { fake, harness } = rig;
    const first = fake.emitMessage({ channel_id: DM, author: alice, content: "hello" });
    const message = await harness.waitForDispatch(byId(first));
    expect(message).toMatchObject({
      channel: "discord",
      accountId: "default",
      chatKind: "dm",
      chatId: DM,
      senderId: alice.id,
      senderName: "Alice",
      senderIsBot: false,
      text: "hello",
      mentioned: false,
    });
    expect(message.guildId).toBeUndefined();
    await fake.waitFor(() => fake.messages.find((m) => m.content === "echo: hello"));

    const second = fake.emitMessage({ channel_id: DM, author: alice, content: "and again" });
    await harness.waitForDispatch(byId(second));
    const reply = await fake.waitFor(() => fake.messages.find((m) => m.content === "echo: and again"));
    expect(reply).toMatchObject({ kind: "create", channel_id: DM, message_reference: { message_id: second } });
  });

  it("sends a direct message to a user id (owner alerts): opens the DM channel once, then reuses it", async () => {
    const { fake, plugin } = await setup();
    const owner = "300000000000000003";
    await plugin.send({ chatId: owner, directMessage: true }, { text: "**alert** one", plainText: "alert one" });
    await plugin.send({ chatId: owner, directMessage: true }, { text: "alert two", plainText: "alert two" });
    const sent = await fake.waitFor(() => (fake.messages.length === 2 ? fake.messages : undefined));
    expect(sent.map((m) => m.content)).toEqual(["**alert** one", "alert two"]);
    expect(sent[0].channel_id).toBe(sent[1].channel_id);
    expect(sent[0].channel_id).not.toBe(owner);
    // the user's existing DM channel is the one used
    const known = await setup();
    known.fake.emitMessage({ channel_id: DM, author: alice, content: "hello" });
    await known.harness.waitForDispatch(() => true);
    await known.plugin.send({ chatId: alice.id, directMessage: true }, { text: "to alice", plainText: "to alice" });
    expect((await known.fake.waitFor(() => known.fake.messages.find((m) => m.content === "to alice"))).channel_id).toBe(DM);
  });

  it("flags guild messages that mention the bot, reply to it, or mention its role, and strips the mention", async () => {
    const rig = await setup();
    const { fake, harness, plugin } = rig;
    const bot = fake.botUser.id;

    const plain = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "just chatting" });
    const mention = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: `<@${bot}> what's up` });
    const nickMention = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: `hey <@!${bot}>` });
    const role = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: `<@&${BOT_ROLE}> hi` });
    const { messageId: botMessage } = await plugin.send({ chatId: GENERAL }, { text: "I said something", plainText: "I said something" });
    const reply = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "answering you", replyTo: botMessage });

    const get = async (id: string) => harness.waitForDispatch(byId(id));
    expect(await get(plain)).toMatchObject({ chatKind: "channel", chatId: GENERAL, guildId: GUILD, text: "just chatting", mentioned: false });
    expect(await get(mention)).toMatchObject({ text: "what's up", mentioned: true });
    expect(await get(nickMention)).toMatchObject({ text: "hey", mentioned: true });
    expect(await get(role)).toMatchObject({ text: "hi", mentioned: true });
    expect(await get(reply)).toMatchObject({ text: "answering you", mentioned: true, replyToMessageId: botMessage });
    expect((await get(plain)).parentChatId).toBeUndefined();
  });

  it("ignores its own messages and other bots'", async () => {
    const { fake, harness } = await setup();
    fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: fake.botUser, content: "my own words" });
    fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: otherBot, content: `<@${fake.botUser.id}> bot talk` });
    const human = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "a human" });
    await harness.waitForDispatch(byId(human));
    expect(harness.dispatched.map((m) => m.text)).toEqual(["a human"]);
  });

  it("maps thread messages to the thread's chat with the parent channel, including threads created later", async () => {
    const { fake, harness } = await setup();
    const inThread = fake.emitMessage({ channel_id: THREAD, guild_id: GUILD, author: alice, content: "in a thread" });
    expect(await harness.waitForDispatch(byId(inThread))).toMatchObject({
      chatKind: "channel",
      chatId: THREAD,
      parentChatId: GENERAL,
      guildId: GUILD,
    });

    const later = "300000000000000012";
    fake.addChannel(GUILD, { id: later, name: "new-thread", type: 11, parent_id: GENERAL });
    const inLater = fake.emitMessage({ channel_id: later, guild_id: GUILD, author: alice, content: "fresh thread" });
    expect(await harness.waitForDispatch(byId(inLater))).toMatchObject({ chatId: later, parentChatId: GENERAL });
  });

  it("sends to threads, edits, and shows typing", async () => {
    const { fake, plugin } = await setup();
    const sent = await plugin.send({ chatId: THREAD }, { text: "**partial**", plainText: "partial" });
    await plugin.edit({ chatId: THREAD }, sent.messageId, { text: "**partial** and more", plainText: "partial and more" });
    await plugin.typing({ chatId: THREAD });
    expect(fake.messages.map((m) => [m.kind, m.channel_id, m.content])).toEqual([
      ["create", THREAD, "**partial**"],
      ["edit", THREAD, "**partial** and more"],
    ]);
    expect(fake.requests.some((r) => r.method === "POST" && r.path === `/channels/${THREAD}/typing` && r.status === 204)).toBe(true);
  });

  it("sends a file as a multipart attachment in the channel's order, its text intact and its caption as the message", async () => {
    const { fake, plugin } = await setup();
    const content = `# The rest\n\n${"Ünïcödé line with emoji 🎉 and <@200000000000000001>.\n".repeat(1500)}`;
    const [before, file, after] = await Promise.all([
      plugin.send({ chatId: GENERAL }, part("part 12 of 12")),
      plugin.sendFile({ chatId: GENERAL, replyToMessageId: "300000000000000500" }, { name: "reply.md", content, caption: "The rest of the reply is attached. @everyone" }),
      plugin.send({ chatId: GENERAL }, part("after the file")),
    ]);
    expect(fake.messages.map((m) => m.id)).toEqual([before.messageId, file.messageId, after.messageId]);
    const sent = fake.messages[1];
    expect(sent).toMatchObject({ kind: "create", channel_id: GENERAL, content: "The rest of the reply is attached. @everyone", allowed_mentions: { parse: [], replied_user: false } });
    expect(sent.files).toEqual([{ name: "reply.md", content, size: Buffer.byteLength(content), contentType: expect.stringMatching(/^text\/markdown/) }]);
  });

  it("sends a file without a caption, and a caption longer than a message is cut to fit", async () => {
    const { fake, plugin } = await setup();
    await plugin.sendFile({ chatId: THREAD }, { name: "notes.txt", content: "plain" });
    await plugin.sendFile({ chatId: THREAD }, { name: "reply.md", content: "x", caption: "c".repeat(2500) });
    expect(fake.messages.map((m) => [m.content.length, m.files?.[0].name, m.files?.[0].contentType.split(";")[0]])).toEqual([
      [0, "notes.txt", "text/plain"],
      [2000, "reply.md", "text/markdown"],
    ]);
  });

  it("sends a 2000-character message and fails on 2001, which the fake rejects like Discord", async () => {
    const { fake, plugin } = await setup();
    const exact = "a".repeat(2000);
    await plugin.send({ chatId: GENERAL }, { text: exact, plainText: exact });
    expect(fake.messages.at(-1)?.content).toHaveLength(2000);

    const over = "b".repeat(2001);
    const error = await plugin.send({ chatId: GENERAL }, { text: over, plainText: over }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50035);
    expect(fake.messages.some((m) => m.content === over)).toBe(false);
  });

  it("never lets a message ping: allowed_mentions parses nothing on every send and edit", async () => {
    const rig = await setup({ handle: echo });
    const { fake, harness, plugin } = rig;
    const ping = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "@everyone <@&1> <@200000000000000001>" });
    await harness.waitForDispatch(byId(ping));
    const sent = await plugin.send({ chatId: THREAD }, { text: "hi @here", plainText: "hi @here" });
    await plugin.edit({ chatId: THREAD }, sent.messageId, { text: "hi @everyone", plainText: "hi @everyone" });
    await fake.waitFor(() => fake.messages.length >= 3);
    for (const message of fake.messages) expect(message.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it("resumes a dropped gateway connection without re-identifying, delivering every message once", async () => {
    const { fake, harness } = await setup();
    const before = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "before" });
    await harness.waitForDispatch(byId(before));

    // Drop, emit while disconnected, and have the fake replay two already-delivered events too.
    fake.dropConnection({ replay: 2 });
    const during = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "during" });
    await fake.waitFor(() => fake.resumes === 1 && fake.liveConnections === 1);
    await harness.waitForDispatch(byId(during));

    const after = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "after" });
    await harness.waitForDispatch(byId(after));
    expect(harness.dispatched.map((m) => m.text)).toEqual(["before", "during", "after"]);
    expect(fake.identifies).toHaveLength(1);
    expect(fake.gatewayConnections.map((c) => c.path)).toEqual(["/gateway", "/resume"]);
  });

  it("keeps the session alive with heartbeats the fake acknowledges", async () => {
    const { fake } = await setup({ fake: { heartbeatIntervalMs: 100 } });
    await fake.waitFor(() => fake.heartbeats >= 3);
    expect(fake.identifies).toHaveLength(1);
    expect(fake.resumes).toBe(0);
    expect(fake.liveConnections).toBe(1);
  });

  it("identifies again after a non-resumable INVALID_SESSION, delivers what follows once, and reports no loss", async () => {
    // discord.js spaces IDENTIFYs 5 s apart as Discord asks; the fake does not need that.
    const { fake, harness } = await setup({ plugin: { identifyIntervalMs: 20 } });
    const before = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "old session" });
    await harness.waitForDispatch(byId(before));
    fake.invalidateSession();
    await fake.waitFor(() => fake.identifies.length === 2 && fake.liveConnections === 1);
    const after = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "new session" });
    await harness.waitForDispatch(byId(after));
    expect(fake.resumes).toBe(0);
    expect(fake.gatewayConnections.map((c) => c.path)).toEqual(["/gateway", "/gateway"]);
    expect(harness.dispatched.map((m) => m.text)).toEqual(["old session", "new session"]);
    expect(harness.failures).toEqual([]);
  });

  it("retries a per-channel 429 after retry_after and delivers every part in order", async () => {
    const { fake, plugin } = await setup({
      fake: { channelMessageLimit: { limit: 2, windowMs: 1000 } },
      plugin: { channelRate: { limit: 100, intervalMs: 1000 } },
    });
    const parts = ["one", "two", "three", "four"];
    await Promise.all(parts.map((text) => plugin.send({ chatId: GENERAL }, { text, plainText: text })));
    expect(fake.count429).toBeGreaterThan(0);
    expect(fake.messages.map((m) => m.content)).toEqual(parts);
  });

  it("paces message writes per channel so Discord's channel limit is not hit", async () => {
    const { fake, plugin } = await setup({
      fake: { channelMessageLimit: { limit: 3, windowMs: 1000 } },
      plugin: { channelRate: { limit: 3, intervalMs: 1300 } },
    });
    const first = await plugin.send({ chatId: GENERAL }, { text: "v1", plainText: "v1" });
    const edits = ["v2", "v3", "v4", "v5"].map((text) => plugin.edit({ chatId: GENERAL }, first.messageId, { text, plainText: text }));
    await Promise.all(edits);
    expect(fake.count429).toBe(0);
    expect(fake.messages.map((m) => m.content)).toEqual(["v1", "v2", "v3", "v4", "v5"]);
  });

  it("stops within a few seconds, closing the gateway, also when the context aborts", { timeout: 5000 }, async () => {
    const { fake, plugin } = await setup();
    await plugin.stop();
    await fake.waitFor(() => fake.liveConnections === 0, 3000);
    await expect(plugin.send({ chatId: GENERAL }, { text: "x", plainText: "x" })).rejects.toThrow(/not started/);

    const other = await setup();
    other.harness.abort();
    await other.fake.waitFor(() => other.fake.liveConnections === 0, 3000);
  });

  it("refuses to start without a token, saying where to set it", async () => {
    const fake = await startFakeDiscord();
    const noToken = createHarness({ config: { apiRoot: fake.apiRoot } });
    try {
      await expect(createDiscordPlugin({ accountId: "default" }).start(noToken.ctx)).rejects.toThrow(/channels\.discord\.token or DISCORD_BOT_TOKEN/);
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
      noToken.cleanup();
    }
  });

  it("takes the token from DISCORD_BOT_TOKEN when the config has none", async () => {
    const fake = await startFakeDiscord();
    const harness = createHarness({ config: { apiRoot: fake.apiRoot, commands: { native: false } }, env: { DISCORD_BOT_TOKEN: fake.token } });
    const plugin = createDiscordPlugin({ accountId: "default" });
    try {
      await plugin.start(harness.ctx);
      expect(fake.identifies).toHaveLength(1);
    } finally {
      await plugin.stop();
      await fake.close();
      harness.cleanup();
    }
  });
});
