import { afterEach, describe, expect, it } from "vitest";
import type { CommandChoice, CommandSpec, CompletionRequest, InboundMessage, ReplySink } from "../../src/plugin-api.js";
import { createHarness, type Harness } from "../../test/fakes/discord/channel-context.js";
import { type FakeDiscord, startFakeDiscord } from "../../test/fakes/discord/index.js";
import { createDiscordPlugin, type DiscordChannel } from "./index.js";

const GUILD = "300000000000000001";
const GENERAL = "300000000000000010";
const THREAD = "300000000000000011";
const DM = "400000000000000001";
const alice = { id: "200000000000000001", username: "alice", global_name: "Alice" };

/** The core's /model command as it registers it. */
const MODEL: CommandSpec = {
  name: "model",
  description: "Show or switch the model for this chat",
  args: [
    { name: "model", description: "Model alias or id, optionally @profile", autocomplete: true },
    { name: "profile", description: "Auth profile to pin", autocomplete: true },
    { name: "view", description: "What to show", choices: [{ name: "list", value: "list" }, { name: "status", value: "status" }] },
  ],
};
const STATUS: CommandSpec = { name: "status", description: "Show session status", args: [] };

const part = (text: string, ephemeral = false) => ({ text, plainText: text, ...(ephemeral ? { ephemeral } : {}) });

interface Rig {
  fake: FakeDiscord;
  harness: Harness;
  plugin: DiscordChannel;
}

let rig: Rig | undefined;

afterEach(async () => {
  if (!rig) return;
  await rig.plugin.stop();
  await rig.fake.close();
  rig.harness.cleanup();
  rig = undefined;
});

async function setup(options: {
  onDispatch?: (rig: Rig, message: InboundMessage, sink?: ReplySink) => Promise<void> | void;
  complete?: (request: CompletionRequest) => CommandChoice[];
}): Promise<Rig> {
  const fake = await startFakeDiscord();
  fake.addGuild({ id: GUILD, channels: [{ id: GENERAL, name: "general", type: 0 }, { id: THREAD, name: "help", type: 11, parent_id: GENERAL }] });
  const current = { fake } as Rig;
  current.harness = createHarness({
    config: { token: fake.token, apiRoot: fake.apiRoot },
    commands: [MODEL, STATUS],
    onDispatch: options.onDispatch && ((message, sink) => options.onDispatch!(current, message, sink)),
    complete: options.complete,
  });
  current.plugin = createDiscordPlugin({ accountId: "default" });
  rig = current;
  await current.plugin.start(current.harness.ctx);
  return current;
}

describe("discord slash commands, autocomplete and buttons", () => {
  it("defers /model at once, dispatches its options as commandArgs, and answers through the deferred reply", async () => {
    let callbackSeenByHandler: number | undefined;
    const { fake, harness } = await setup({
      // A deliberately slow core: it answers only once Discord has seen the defer.
      onDispatch: async ({ fake }, message, sink) => {
        const callback = await fake.waitFor(() => fake.interactionCallbacks.get(message.messageId)?.callback);
        callbackSeenByHandler = callback.type;
        await sink!.send(part("Model for this chat: **opus** (pinned to anthropic:work)"));
        await sink!.send(part("Second part"));
      },
    });
    const id = fake.emitCommand({ name: "model", options: { model: "opus", profile: "anthropic:work" }, user: alice, channel_id: GENERAL, guild_id: GUILD });
    await harness.waitForHandled(1);
    expect(harness.errors).toEqual([]);

    const [{ message, sink }] = harness.dispatched;
    expect(sink).toBeDefined();
    expect(message).toMatchObject({
      channel: "discord",
      chatKind: "channel",
      chatId: GENERAL,
      guildId: GUILD,
      senderId: alice.id,
      senderName: "Alice",
      messageId: id,
      text: "/model",
      mentioned: true,
      commandArgs: { model: "opus", profile: "anthropic:work" },
    });
    expect(callbackSeenByHandler).toBe(5);
    const record = fake.interactionCallbacks.get(id)!;
    expect(record.callback?.type).toBe(5);
    expect(record.original).toMatchObject({ content: "Model for this chat: **opus** (pinned to anthropic:work)", deleted: false, flags: 0 });
    expect(record.followUps.map((f) => f.content)).toEqual(["Second part"]);
    const sent = fake.messages.filter((m) => m.interactionId === id);
    expect(sent.length).toBe(2);
    for (const m of sent) expect(m.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it("edits a part it sent through the sink, streaming-style", async () => {
    const { fake, harness } = await setup({
      onDispatch: async (_rig, _message, sink) => {
        const first = await sink!.send(part("thinking about it"));
        await sink!.edit!(first.messageId, part("thinking about it… done"));
        const second = await sink!.send(part("more"));
        await sink!.edit!(second.messageId, part("more, edited"));
      },
    });
    const id = fake.emitCommand({ name: "status", user: alice, channel_id: GENERAL, guild_id: GUILD });
    await harness.waitForHandled(1);
    expect(harness.errors).toEqual([]);
    const record = fake.interactionCallbacks.get(id)!;
    expect(record.original?.content).toBe("thinking about it… done");
    expect(fake.messages.filter((m) => m.interactionId === id).map((m) => [m.kind, m.content])).toEqual([
      ["edit", "thinking about it"],
      ["edit", "thinking about it… done"],
      ["create", "more"],
      ["edit", "more, edited"],
    ]);
  });

  it("keeps an ephemeral first answer private: the public placeholder goes, an ephemeral follow-up comes", async () => {
    const { fake, harness } = await setup({
      onDispatch: async (_rig, _message, sink) => {
        await sink!.send(part("You may not pin that profile.", true));
      },
    });
    const id = fake.emitCommand({ name: "model", options: { model: "opus@anthropic:work" }, user: alice, channel_id: GENERAL, guild_id: GUILD });
    await harness.waitForHandled(1);
    expect(harness.errors).toEqual([]);
    const record = fake.interactionCallbacks.get(id)!;
    expect(record.original?.deleted).toBe(true);
    expect(record.followUps).toEqual([expect.objectContaining({ content: "You may not pin that profile.", flags: 64 })]);
  });

  it("maps commands in DMs and threads like messages", async () => {
    const { fake, harness } = await setup({});
    const inDm = fake.emitCommand({ name: "status", user: alice, channel_id: DM });
    const inThread = fake.emitCommand({ name: "status", user: alice, channel_id: THREAD, guild_id: GUILD });
    const dm = await harness.waitForDispatch((d) => d.message.messageId === inDm);
    const thread = await harness.waitForDispatch((d) => d.message.messageId === inThread);
    expect(dm.message).toMatchObject({ chatKind: "dm", chatId: DM, senderName: "Alice", text: "/status" });
    expect(dm.message.commandArgs).toEqual({});
    expect(thread.message).toMatchObject({ chatKind: "channel", chatId: THREAD, parentChatId: GENERAL, guildId: GUILD });
  });

  it("answers autocomplete with the core's choices, at most 25", async () => {
    const models = Array.from({ length: 30 }, (_, i) => ({ name: `claude-model-${i}`, value: `model-${i}` }));
    const { fake, harness } = await setup({ complete: () => models });
    const id = fake.emitAutocomplete({ name: "model", options: { model: "cla", view: "list" }, focused: "model", user: alice, channel_id: GENERAL, guild_id: GUILD });
    const callback = await fake.waitFor(() => fake.interactionCallbacks.get(id)?.callback);
    expect(callback.type).toBe(8);
    expect(callback.data.choices).toEqual(models.slice(0, 25));
    expect(harness.completions).toHaveLength(1);
    expect(harness.completions[0]).toMatchObject({
      command: "model",
      arg: "model",
      value: "cla",
      message: { senderId: alice.id, chatId: GENERAL, commandArgs: { model: "cla", view: "list" } },
    });
    expect(harness.dispatched).toEqual([]);
  });

  it("turns a press of a button it sent into that command, answered in a new reply", async () => {
    const { fake, harness, plugin } = await setup({
      onDispatch: async (_rig, _message, sink) => {
        await sink!.send(part("Switched to opus."));
      },
    });
    const { messageId } = await plugin.send(
      { chatId: GENERAL },
      { ...part("Pick a model:"), buttons: [[{ label: "Opus", command: "/model opus" }, { label: "Sonnet", command: "/model sonnet" }]] },
    );
    const sent = fake.messages.find((m) => m.id === messageId)!;
    expect(sent.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 2, label: "Opus", custom_id: "baton:/model opus" },
          { type: 2, style: 2, label: "Sonnet", custom_id: "baton:/model sonnet" },
        ],
      },
    ]);
    const id = fake.emitButton({ custom_id: "baton:/model opus", message_id: messageId, user: alice, channel_id: GENERAL, guild_id: GUILD });
    await harness.waitForHandled(1);
    expect(harness.dispatched[0].message).toMatchObject({ text: "/model opus", mentioned: true, replyToMessageId: messageId, messageId: id });
    const record = fake.interactionCallbacks.get(id)!;
    expect(record.callback?.type).toBe(5);
    expect(record.original?.content).toBe("Switched to opus.");
  });
});
