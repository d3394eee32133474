import { performance } from "node:perf_hooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/util/mask.js";
import {
  alice,
  autocompleteChoices,
  bob,
  botMessages,
  channelMessages,
  closeFakes,
  DM_ALICE,
  DM_BOB,
  fenceLineCount,
  GENERAL,
  GUILD,
  interactionReplies,
  KEY_A,
  KEY_B,
  lastUserText,
  linesInsideFences,
  LOADING,
  OPEN_CHANNEL,
  OPEN_GUILD,
  requestModel,
  requestRoles,
  startFakes,
  startStack,
  THREAD,
  waitForAnthropicRequests,
  waitForChannelMessage,
  waitForInteractionReply,
  type Fakes,
  type Stack,
} from "./discord-helpers.js";
import { waitFor } from "../support/wait.js";

let fakes: Fakes;
let stack: Stack | undefined;

beforeAll(async () => {
  fakes = await startFakes();
});

afterAll(async () => {
  await closeFakes(fakes);
});

beforeEach(() => {
  fakes.anthropic.reset();
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail" && stack) console.error(`gateway log of the failed test:\n${stack.logs.join("")}`);
  await stack?.stop();
  stack = undefined;
});

const mention = (text: string) => `<@${fakes.discord.botUser.id}> ${text}`;
const inGeneral = { channel_id: GENERAL, guild_id: GUILD };
const inThread = { channel_id: THREAD, guild_id: GUILD };

/** Every secret the stack knows: provider keys and the bot token. */
function secrets(): string[] {
  return [KEY_A, KEY_B, fakes.discord.token];
}

describe("conversations over Discord", () => {
  it("holds a DM conversation with history", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "hello there" });
    await waitForChannelMessage(discord, DM_ALICE, "echo: hello there", stack.firstRecord);
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "second" });
    await waitForChannelMessage(discord, DM_ALICE, "echo: second", stack.firstRecord);

    expect(anthropic.requests).toHaveLength(2);
    const second = anthropic.requests[1];
    expect(requestRoles(second)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify((second.body as { messages: unknown }).messages)).toContain("echo: hello there");
    expect(lastUserText(second)).toBe("second");
    expect(channelMessages(discord, DM_ALICE, stack.firstRecord).map((m) => m.content)).toEqual(["echo: hello there", "echo: second"]);
    expect(stack.turns.map((t) => t.ok)).toEqual([true, true]);
  });

  it("answers in a guild channel only when mentioned, unless the guild turns mentions off", async () => {
    stack = await startStack(fakes, { config: { channels: { discord: { guilds: { [OPEN_GUILD]: { requireMention: false } } } } } });
    const { discord, anthropic } = fakes;
    discord.emitMessage({ ...inGeneral, author: alice, content: "just chatting among ourselves" });
    discord.emitMessage({ ...inGeneral, author: alice, content: mention("are you there?") });
    await waitForChannelMessage(discord, GENERAL, "echo: are you there?", stack.firstRecord);
    // Gateway events are handled in order, so the unmentioned message was already ignored.
    expect(anthropic.requests.map(lastUserText)).toEqual(["are you there?"]);
    expect(channelMessages(discord, GENERAL, stack.firstRecord).map((m) => m.content)).toEqual(["echo: are you there?"]);

    discord.emitMessage({ channel_id: OPEN_CHANNEL, guild_id: OPEN_GUILD, author: alice, content: "no mention needed here" });
    await waitForChannelMessage(discord, OPEN_CHANNEL, "echo: no mention needed here", stack.firstRecord);
    expect(anthropic.requests).toHaveLength(2);
  });

  it("a thread uses its parent channel's model until it sets its own", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    const set = discord.emitCommand({ name: "model", options: { model: "sonnet" }, user: alice, ...inGeneral });
    expect((await waitForInteractionReply(discord, set)).content).toContain("Model set to sonnet");

    const show = discord.emitCommand({ name: "model", user: alice, ...inThread });
    expect((await waitForInteractionReply(discord, show)).content).toContain("inherited from the parent chat");

    discord.emitMessage({ ...inThread, author: alice, content: mention("in the thread") });
    await waitForChannelMessage(discord, THREAD, "echo: in the thread", stack.firstRecord);
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-sonnet-5-5");

    const own = discord.emitCommand({ name: "model", options: { model: "haiku" }, user: alice, ...inThread });
    expect((await waitForInteractionReply(discord, own)).content).toContain("Model set to haiku");
    discord.emitMessage({ ...inThread, author: alice, content: mention("thread again") });
    await waitForChannelMessage(discord, THREAD, "echo: thread again", stack.firstRecord);
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-haiku-5-5");

    discord.emitMessage({ ...inGeneral, author: alice, content: mention("back in the parent") });
    await waitForChannelMessage(discord, GENERAL, "echo: back in the parent", stack.firstRecord);
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-sonnet-5-5");
  });
});

describe("/model as a Discord slash command", () => {
  it("autocompletes models and pinnable profiles, pins, and shows a private masked status", async () => {
    stack = await startStack(fakes, {
      config: {
        auth: {
          profiles: {
            "anthropic:a": { provider: "anthropic", mode: "api_key" },
            "anthropic:b": { provider: "anthropic", mode: "api_key", allowedUsers: [alice.id] },
          },
        },
      },
    });
    const { discord, anthropic } = fakes;
    const registered = discord.registeredCommands().find((c) => c.name === "model");
    expect(registered?.options?.filter((o: { autocomplete?: boolean }) => o.autocomplete).map((o: { name: string }) => o.name)).toEqual(["model", "profile"]);

    const models = await autocompleteChoices(
      discord,
      discord.emitAutocomplete({ name: "model", options: { model: "son" }, focused: "model", user: alice, ...inGeneral }),
    );
    expect(models.map((c) => c.value)).toContain("sonnet");
    for (const choice of models) expect(`${choice.name} ${choice.value}`.toLowerCase()).toContain("son");
    expect(models.map((c) => c.value)).not.toContain("opus");

    const profilesFor = async (user: typeof alice) =>
      (await autocompleteChoices(discord, discord.emitAutocomplete({ name: "model", options: { model: "haiku" }, focused: "profile", user, ...inGeneral }))).map((c) => c.value);
    expect(await profilesFor(alice)).toEqual(["anthropic:a", "anthropic:b"]);
    expect(await profilesFor(bob)).toEqual(["anthropic:a"]);

    const pin = discord.emitCommand({ name: "model", options: { model: "haiku", profile: "anthropic:b" }, user: alice, ...inGeneral });
    const pinned = await waitForInteractionReply(discord, pin);
    expect(pinned.content).toContain("pinned to profile anthropic:b");
    expect(pinned.ephemeral).toBe(false);

    discord.emitMessage({ ...inGeneral, author: alice, content: mention("after the pin") });
    await waitForChannelMessage(discord, GENERAL, "echo: after the pin", stack.firstRecord);
    const call = anthropic.requests.at(-1)!;
    expect(call.credential).toBe(KEY_B);
    expect(requestModel(call)).toBe("claude-haiku-5-5");

    const status = discord.emitCommand({ name: "model", options: { view: "status" }, user: alice, ...inGeneral });
    const shown = await waitForInteractionReply(discord, status);
    expect(shown.ephemeral).toBe(true);
    expect(shown.content).toContain("Pinned profile: anthropic:b");
    expect(shown.content).toContain(maskSecret(KEY_A));
    expect(shown.content).toContain(maskSecret(KEY_B));
    // The public "thinking…" placeholder is gone: nothing of the status is visible to the channel.
    expect(botMessages(discord).filter((m) => m.interactionId === status && !m.deleted).every((m) => m.ephemeral)).toBe(true);

    const everythingSent = JSON.stringify([discord.messages, [...discord.interactionCallbacks.values()].map((i) => i.callback)]);
    for (const secret of secrets()) expect(everythingSent).not.toContain(secret);
  });

  it("refuses a pin from a user outside commands.allowFrom, privately, and changes nothing", async () => {
    // A fixed order, so "unchanged" means every turn starts with anthropic:a.
    stack = await startStack(fakes, { config: { commands: { allowFrom: [alice.id] }, auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } } });
    const { discord, anthropic } = fakes;
    const inGuild = discord.emitCommand({ name: "model", options: { model: "sonnet", profile: "anthropic:b" }, user: bob, ...inGeneral });
    const refusal = await waitForInteractionReply(discord, inGuild);
    expect(refusal.content).toContain("not allowed");
    expect(refusal.ephemeral).toBe(true);

    const inDm = discord.emitCommand({ name: "model", options: { model: "sonnet", profile: "anthropic:b" }, user: bob, channel_id: DM_BOB });
    const dmRefusal = await waitForInteractionReply(discord, inDm);
    expect(dmRefusal.content).toContain("You are not allowed to run /model sonnet@anthropic:b");
    expect(dmRefusal.ephemeral).toBe(true);

    discord.emitMessage({ ...inGeneral, author: bob, content: mention("still the defaults?") });
    await waitForChannelMessage(discord, GENERAL, "echo: still the defaults?", stack.firstRecord);
    discord.emitMessage({ channel_id: DM_BOB, author: bob, content: "and here?" });
    await waitForChannelMessage(discord, DM_BOB, "echo: and here?", stack.firstRecord);
    for (const request of anthropic.requests) {
      expect(request.credential).toBe(KEY_A);
      expect(requestModel(request)).toBe("claude-opus-4-5");
    }
  });

  it("completes a non-owner's deferred /model with a refusal only they see, and the chat keeps its model", async () => {
    // A fixed order, so "unchanged" means every turn starts with anthropic:a.
    stack = await startStack(fakes, { config: { commands: { allowFrom: [alice.id] }, auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } } });
    const { discord, anthropic } = fakes;
    const refused: Record<string, string>[] = [{ model: "sonnet", profile: "anthropic:b" }, { model: "sonnet" }];
    for (const options of refused) {
      const id = discord.emitCommand({ name: "model", options, user: bob, ...inGeneral });
      const refusal = await waitForInteractionReply(discord, id);
      const record = discord.interactionCallbacks.get(id)!;
      // Deferred at once, publicly (a defer fixes visibility): the public "thinking…" placeholder
      // is deleted and the refusal comes as an ephemeral follow-up, so nothing stays loading.
      expect(record.callback).toMatchObject({ type: 5 });
      expect(record.original?.deleted).toBe(true);
      expect(refusal).toMatchObject({ ephemeral: true });
      expect(refusal.content).toContain("not allowed");
      expect(interactionReplies(discord, id)).toEqual([refusal]);
      expect(botMessages(discord).filter((m) => m.interactionId === id && !m.deleted && (m.flags & LOADING) !== 0)).toEqual([]);
    }
    expect(anthropic.requests).toEqual([]);
    discord.emitMessage({ ...inGeneral, author: bob, content: mention("which model now?") });
    await waitForChannelMessage(discord, GENERAL, "echo: which model now?", stack.firstRecord);
    expect(anthropic.requests.map((r) => [requestModel(r), r.credential])).toEqual([["claude-opus-4-5", KEY_A]]);

    // The owner's same command goes through, so the refusal was about who asked.
    const own = discord.emitCommand({ name: "model", options: { model: "sonnet" }, user: alice, ...inGeneral });
    expect((await waitForInteractionReply(discord, own)).content).toContain("Model set to sonnet");
    discord.emitMessage({ ...inGeneral, author: bob, content: mention("and now?") });
    await waitForChannelMessage(discord, GENERAL, "echo: and now?", stack.firstRecord);
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-sonnet-5-5");
  });

  it("defers at once while the model is slow, without calling the model, and /stop ends the slow run", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    anthropic.setDefault({ reply: "a very slow answer", chunks: 1, delayMs: 20_000 });
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "take your time" });
    await waitForAnthropicRequests(fakes, 1);

    const status = discord.emitCommand({ name: "status", user: alice, channel_id: DM_ALICE });
    const callback = await discord.waitFor(() => discord.interactionCallbacks.get(status)?.callback);
    expect(callback.type).toBe(5);
    expect(callback.afterMs).toBeLessThan(2000);
    expect((await waitForInteractionReply(discord, status)).content).toContain("A reply is being generated");
    expect(anthropic.requests).toHaveLength(1);

    const stop = discord.emitCommand({ name: "stop", user: alice, channel_id: DM_ALICE });
    expect((await waitForInteractionReply(discord, stop)).content).toContain("Stopped.");
    expect(botMessages(discord, stack.firstRecord).some((m) => m.content.includes("a very slow answer"))).toBe(false);
    expect(anthropic.requests).toHaveLength(1);
  });

  it("shows a profile that failed with 401 as rejected after the reply came from the next one", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    anthropic.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "hi" });
    await waitForChannelMessage(discord, DM_ALICE, "echo: hi", stack.firstRecord);
    expect(anthropic.requests.map((r) => r.credential)).toEqual([KEY_A, KEY_B]);
    expect(stack.turns).toMatchObject([{ ok: true, profileId: "anthropic:b" }]);

    const status = discord.emitCommand({ name: "model", options: { view: "status" }, user: alice, channel_id: DM_ALICE });
    const shown = (await waitForInteractionReply(discord, status)).content;
    const lineOfA = shown.split("\n").find((line) => line.includes("anthropic:a ("));
    // a 401 makes the profile rejected (class auth) until it succeeds again
    expect(lineOfA).toMatch(/rejected \(auth\)/);
    expect(shown).toContain("Next credential: anthropic:b");
    for (const secret of secrets()) expect(shown).not.toContain(secret);
    for (const secret of secrets()) expect(stack.logs.join("")).not.toContain(secret);
  });
});

describe("what the bot sends", () => {
  it("splits a long Markdown reply into messages within 2000 characters, fences balanced, nothing lost", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    const prose = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `P${String(from + i).padStart(3, "0")} Some **prose** about the plan, with \`inline code\` and a few more words.`);
    const code = Array.from({ length: 40 }, (_, i) => `  const c${String(i).padStart(3, "0")} = compute(${i}, "value number ${i}"); // step ${i}`);
    const lines = [...prose(0, 18), "", "```ts", ...code, "```", "", ...prose(18, 30), "", "The end."];
    const reply = lines.join("\n");
    expect(reply.length).toBeGreaterThan(4500);
    anthropic.setDefault({ reply });

    discord.emitMessage({ ...inGeneral, author: alice, content: mention("write me something long") });
    await discord.waitFor(() => channelMessages(discord, GENERAL, stack!.firstRecord).find((m) => m.content.endsWith("The end.")));
    const parts = channelMessages(discord, GENERAL, stack.firstRecord).map((m) => m.content);

    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(fenceLineCount(part) % 2).toBe(0);
    }
    const sentLines = parts.flatMap((part) => part.split("\n"));
    for (const line of lines.filter((l) => l.trim() && !l.startsWith("```"))) expect(sentLines).toContain(line);
    const fenced = parts.flatMap(linesInsideFences);
    for (const line of code) expect(fenced).toContain(line);
  });

  it("sends a reply past messages.maxParts as its first parts and the whole reply as reply.md", async () => {
    stack = await startStack(fakes, { config: { messages: { maxParts: 2 } } });
    const { discord, anthropic } = fakes;
    const reply = [...Array.from({ length: 90 }, (_, i) => `Line ${i}: a sentence with ünïcödé, **bold** words and \`code\`.`), "The end."].join("\n");
    anthropic.setDefault({ reply });
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "a long one, please" });
    const upload = await discord.waitFor(() => discord.messages.slice(stack!.firstRecord).find((m) => m.files?.length));
    expect(upload).toMatchObject({ channel_id: DM_ALICE, source: "channel" });
    expect(upload.files).toEqual([expect.objectContaining({ name: "reply.md", content: reply })]);
    expect(upload.content).toContain("reply.md");
    const sent = channelMessages(discord, DM_ALICE, stack.firstRecord);
    expect(sent).toHaveLength(2);
    expect(sent[0].content).toContain("Line 0:");
    expect(sent[1].id).toBe(upload.id);
  });

  it("never pings: every message and edit carries allowed_mentions with an empty parse list", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    anthropic.setDefault({ reply: `Heads up @everyone and @here, also <@&123> and <@${bob.id}>.` });
    discord.emitMessage({ ...inGeneral, author: alice, content: mention("announce it") });
    await discord.waitFor(() => channelMessages(discord, GENERAL, stack!.firstRecord).find((m) => m.content.includes("<@&123>")));
    const show = discord.emitCommand({ name: "model", user: alice, ...inGeneral });
    await waitForInteractionReply(discord, show);

    const written = discord.messages.slice(stack.firstRecord).filter((r) => r.kind !== "delete");
    expect(written.some((r) => r.source === "channel")).toBe(true);
    expect(written.some((r) => r.source === "interaction")).toBe(true);
    for (const record of written) {
      const allowed = record.allowed_mentions as { parse?: string[]; users?: string[]; roles?: string[] } | undefined;
      expect(allowed?.parse).toEqual([]);
      expect(allowed?.users ?? []).toEqual([]);
      expect(allowed?.roles ?? []).toEqual([]);
    }
    expect(interactionReplies(discord, show)[0].content).toContain("Model:");
  });
});

describe("gateway life cycle", () => {
  it("keeps the gateway up while Discord refuses the bot, retries in the background, and answers once it is let in", async () => {
    const { discord } = fakes;
    discord.closeOnIdentify(4004);
    try {
      stack = await startStack(fakes);
      const [status] = stack.gateway.channelStatus();
      expect(status).toMatchObject({ channel: "discord", state: "retrying" });
      expect(status.lastError).toContain("gateway closed with 4004 (authentication failed");
      expect(status.lastError).not.toContain(discord.token);
    } finally {
      discord.closeOnIdentify(undefined);
    }
    await waitFor(() => stack!.gateway.channelStatus()[0].state === "up", { what: "the channel to come up" });
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "are you there now?" });
    await waitForChannelMessage(discord, DM_ALICE, "echo: are you there now?", stack.firstRecord);
  });

  it("replaces a channel whose connection is closed for good after start, and goes on answering", async () => {
    stack = await startStack(fakes);
    const { discord } = fakes;
    const identified = discord.identifies.length;
    discord.dropConnection({ code: 4014 });
    await waitFor(() => stack!.gateway.channelStatus()[0].state === "retrying", { what: "the channel to be reported down" });
    expect(stack.gateway.channelStatus()[0].lastError).toContain("4014 (disallowed intents");
    await waitFor(() => stack!.gateway.channelStatus()[0].state === "up", { what: "a fresh channel instance to come up" });
    expect(discord.identifies.length).toBe(identified + 1);
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "back again" });
    await waitForChannelMessage(discord, DM_ALICE, "echo: back again", stack.firstRecord);
    expect(discord.liveConnections).toBe(1);
  });

  it("stops within 5 s and closes its gateway connection", async () => {
    stack = await startStack(fakes);
    const { discord } = fakes;
    await discord.waitFor(() => discord.liveConnections === 1);
    const started = performance.now();
    await stack.stop();
    expect(performance.now() - started).toBeLessThan(5000);
    await discord.waitFor(() => discord.liveConnections === 0, 2000);
  });
});
