import { afterEach, describe, expect, it } from "vitest";
import type { CommandSpec } from "../../src/plugin-api.js";
import { CUT_OFF, NOTHING_TO_SHOW } from "./interaction-sink.js";
import { alice, DM, GENERAL, GUILD, part, type Rig, type RigOptions, startRig, stopRigs, THREAD } from "./test-harness.js";

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
const EPHEMERAL = 64;
const LOADING = 128;

afterEach(stopRigs);

function setup(options: Pick<RigOptions, "handle" | "accept" | "complete">): Promise<Rig> {
  return startRig({ commands: [MODEL, STATUS], ...options });
}

describe("discord slash commands, autocomplete and buttons", () => {
  it("defers /model at once, dispatches its options as commandArgs, and answers through the deferred reply", async () => {
    let callbackSeenByHandler: number | undefined;
    const { fake, harness } = await setup({
      // A deliberately slow core: it answers only once Discord has seen the defer.
      handle: async ({ fake }, message, sink) => {
        const callback = await fake.waitFor(() => fake.interactionCallbacks.get(message.messageId)?.callback);
        callbackSeenByHandler = callback.type;
        await sink!.send(part("Model for this chat: **opus** (pinned to anthropic:work)"));
        await sink!.send(part("Second part"));
      },
    });
    const id = fake.emitCommand({ name: "model", options: { model: "opus", profile: "anthropic:work" }, user: alice, channel_id: GENERAL, guild_id: GUILD });
    await harness.waitForHandled(1);
    expect(harness.errors).toEqual([]);

    const [message] = harness.dispatched;
    const sink = harness.sinkOf(message);
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
      handle: async (_rig, _message, sink) => {
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
      handle: async (_rig, _message, sink) => {
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
    const dm = await harness.waitForDispatch((m) => m.messageId === inDm);
    const thread = await harness.waitForDispatch((m) => m.messageId === inThread);
    expect(dm).toMatchObject({ chatKind: "dm", chatId: DM, senderName: "Alice", text: "/status" });
    expect(dm.commandArgs).toEqual({});
    expect(thread).toMatchObject({ chatKind: "channel", chatId: THREAD, parentChatId: GENERAL, guildId: GUILD });
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
      handle: async (_rig, _message, sink) => {
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
    expect(harness.dispatched[0]).toMatchObject({ text: "/model opus", mentioned: true, replyToMessageId: messageId, messageId: id });
    const record = fake.interactionCallbacks.get(id)!;
    expect(record.callback?.type).toBe(5);
    expect(record.original?.content).toBe("Switched to opus.");
  });

  it.each([
    ["ignored", "done" as const, NOTHING_TO_SHOW],
    ["cut off by a shutdown", "abandoned" as const, CUT_OFF],
  ])("completes a deferral the core settled without a word (%s) with a private note, never leaving it thinking", async (_case, settlement, note) => {
    const { fake, harness } = await setup({ handle: () => settlement });
    const id = fake.emitCommand({ name: "status", user: alice, channel_id: GENERAL, guild_id: GUILD });
    await harness.waitForHandled(1);
    const record = await fake.waitFor(() => (fake.interactionCallbacks.get(id)?.followUps.length ? fake.interactionCallbacks.get(id) : undefined));
    expect(record.callback?.type).toBe(5);
    expect(record.original?.deleted).toBe(true);
    expect(record.followUps).toEqual([expect.objectContaining({ content: note, flags: EPHEMERAL })]);
  });

  it("answers a command the core could not take (dispatch rejected) with a private apology", async () => {
    const { fake, harness } = await setup({
      accept: () => {
        throw new Error("the core refused the dispatch");
      },
    });
    const id = fake.emitCommand({ name: "status", user: alice, channel_id: DM });
    await harness.waitForDispatch((m) => m.messageId === id);
    const record = await fake.waitFor(() => (fake.interactionCallbacks.get(id)?.followUps.length ? fake.interactionCallbacks.get(id) : undefined));
    expect(record.followUps.map((f) => [f.content, f.flags])).toEqual([["Sorry, that command could not be handled.", EPHEMERAL]]);
    expect(harness.logs.some((l) => l.level === "error" && l.msg === "discord: dispatch of a command failed")).toBe(true);
  });

  it("completes the deferral when the core's own answer failed to send, so it never stays thinking", async () => {
    const { fake, harness } = await setup({
      handle: async ({ fake }, _message, sink) => {
        const lift = fake.answerWith({ method: "PATCH", path: /^\/webhooks\//, status: 400, body: "nope", headers: { "Content-Type": "text/plain" }, times: 1 });
        await sink!.send(part("an answer Discord refused")).finally(lift);
      },
    });
    const id = fake.emitCommand({ name: "status", user: alice, channel_id: DM });
    await harness.waitForHandled(1);
    expect(harness.errors).toHaveLength(1);
    const record = await fake.waitFor(() => (fake.interactionCallbacks.get(id)?.followUps.length ? fake.interactionCallbacks.get(id) : undefined));
    expect(record.original?.deleted).toBe(true);
    expect(record.followUps.map((f) => f.content)).toEqual([NOTHING_TO_SHOW]);
  });

  it("leaves an answered deferral alone when the dispatch settles", async () => {
    const { fake, harness } = await setup({ handle: async (_rig, _message, sink) => void (await sink!.send(part("Status: fine."))) });
    const id = fake.emitCommand({ name: "status", user: alice, channel_id: DM });
    await harness.waitForHandled(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const record = fake.interactionCallbacks.get(id)!;
    expect(record.original).toMatchObject({ content: "Status: fine.", deleted: false });
    expect(record.original!.flags & LOADING).toBe(0);
    expect(record.followUps).toEqual([]);
  });

  it("sends a file through the interaction: into the placeholder when nothing came before, else as a follow-up", async () => {
    const long = `# Reply\n\n${"Line with ünïcödé and emoji 🎉.\n".repeat(800)}`;
    const { fake, harness } = await setup({
      handle: async (_rig, message, sink) => {
        if (message.commandArgs?.view === "list") await sink!.send(part("Here is the start."));
        await sink!.sendFile!({ name: "reply.md", content: long, caption: "The rest of the reply" });
      },
    });
    const alone = fake.emitCommand({ name: "model", options: { model: "opus" }, user: alice, channel_id: DM });
    const after = fake.emitCommand({ name: "model", options: { view: "list" }, user: alice, channel_id: DM });
    await harness.waitForHandled(2);
    expect(harness.errors).toEqual([]);

    const uploads = (interactionId: string) => fake.messages.filter((m) => m.interactionId === interactionId && m.files);
    const [intoPlaceholder] = uploads(alone);
    expect(intoPlaceholder).toMatchObject({ kind: "edit", content: "The rest of the reply", allowed_mentions: { parse: [] } });
    expect(intoPlaceholder.files).toEqual([expect.objectContaining({ name: "reply.md", content: long })]);
    expect(fake.interactionCallbacks.get(alone)!.original).toMatchObject({ content: "The rest of the reply", deleted: false });

    const [followUp] = uploads(after);
    expect(followUp).toMatchObject({ kind: "create", content: "The rest of the reply" });
    expect(followUp.files?.[0]).toMatchObject({ name: "reply.md", content: long, size: Buffer.byteLength(long) });
    expect(fake.interactionCallbacks.get(after)!.original?.content).toBe("Here is the start.");
  });
});
