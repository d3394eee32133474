/**
 * How replies look on Discord (issue 15): guild replies quoting the message they answer without
 * pinging, image attachments reaching the model, messages sent while the gateway was down
 * answered after it starts (catch-up), and a reply cut off by a restart repaired in place.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { INTERRUPTED_NOTE } from "../../src/chat/delivery.js";
import { PNG_1PX } from "../support/images.js";
import {
  alice,
  bob,
  channelMessages,
  closeFakes,
  DM_ALICE,
  DM_BOB,
  GENERAL,
  GUILD,
  KEY_A,
  lastUserImages,
  lastUserText,
  startFakes,
  startStack,
  waitForChannelMessage,
  type Fakes,
  type Stack,
} from "./discord-helpers.js";

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
const streaming = { gateway: { streaming: { editIntervalMs: 300 } } };
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

describe("Discord replies", () => {
  it("in a guild channel, quotes the message it answers without pinging; DMs are not quoted", async () => {
    stack = await startStack(fakes);
    const { discord } = fakes;
    const asked = discord.emitMessage({ ...inGeneral, author: alice, content: mention("quote me") });
    await waitForChannelMessage(discord, GENERAL, "echo: quote me", stack.firstRecord);
    const create = discord.messages.slice(stack.firstRecord).find((r) => r.kind === "create" && r.content === "echo: quote me")!;
    expect(create.message_reference).toEqual({ message_id: asked, fail_if_not_exists: false });
    expect(create.allowed_mentions).toEqual({ parse: [], replied_user: false });

    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "in private" });
    await waitForChannelMessage(discord, DM_ALICE, "echo: in private", stack.firstRecord);
    const dm = discord.messages.slice(stack.firstRecord).find((r) => r.kind === "create" && r.content === "echo: in private")!;
    expect(dm.message_reference).toBeUndefined();
  });

  it("an image attachment reaches the model as an image block with the message text; other files get a note", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "what is this?", attachments: [{ filename: "dot.png", content: PNG_1PX, content_type: "image/png" }] });
    await waitForChannelMessage(discord, DM_ALICE, "echo: what is this?", stack.firstRecord);
    expect(lastUserImages(anthropic.requests[0])).toEqual([{ mediaType: "image/png", bytes: PNG_1PX.length }]);
    expect(lastUserText(anthropic.requests[0])).toBe("what is this?");
    expect(discord.attachmentDownloads).toHaveLength(1);

    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "", attachments: [{ filename: "notes.txt", content: Buffer.from("hello"), content_type: "text/plain; charset=utf-8" }] });
    await waitForChannelMessage(discord, DM_ALICE, 'I can only read images; "notes.txt" was not sent to the model.', stack.firstRecord);
    expect(anthropic.requests).toHaveLength(1);
    expect(discord.attachmentDownloads).toHaveLength(1);
  });

  it("after a restart, answers what was sent meanwhile in DMs and channels it answered in, once; unaddressed chatter stays unanswered", async () => {
    stack = await startStack(fakes);
    const { discord, anthropic } = fakes;
    discord.emitMessage({ channel_id: DM_BOB, author: bob, content: "before" });
    discord.emitMessage({ ...inGeneral, author: alice, content: mention("before too") });
    await waitForChannelMessage(discord, DM_BOB, "echo: before", stack.firstRecord);
    await waitForChannelMessage(discord, GENERAL, "echo: before too", stack.firstRecord);

    await stack.restart(() => {
      discord.emitMessage({ channel_id: DM_BOB, author: bob, content: "while you were away", offline: true });
      discord.emitMessage({ ...inGeneral, author: alice, content: "chatter without a mention", offline: true });
      discord.emitMessage({ ...inGeneral, author: alice, content: mention("also while away"), offline: true });
    });
    await waitForChannelMessage(discord, DM_BOB, "echo: while you were away", stack.firstRecord);
    await waitForChannelMessage(discord, GENERAL, "echo: also while away", stack.firstRecord);
    // a later message on the live gateway is answered as usual, and nothing twice
    discord.emitMessage({ channel_id: DM_BOB, author: bob, content: "after" });
    await waitForChannelMessage(discord, DM_BOB, "echo: after", stack.firstRecord);
    // the two chats are answered in parallel: within each pair, either may go first
    expect(anthropic.requests.map(lastUserText)).toEqual([expect.any(String), expect.any(String), expect.any(String), expect.any(String), "after"]);
    expect(anthropic.requests.slice(0, 2).map(lastUserText).sort()).toEqual(["before", "before too"]);
    expect(anthropic.requests.slice(2, 4).map(lastUserText).sort()).toEqual(["also while away", "while you were away"]);
    expect(channelMessages(discord, DM_BOB, stack.firstRecord).map((m) => m.content)).toEqual(["echo: before", "echo: while you were away", "echo: after"]);
    expect(channelMessages(discord, GENERAL, stack.firstRecord).map((m) => m.content)).toEqual(["echo: before too", "echo: also while away"]);

    // another restart with nothing new answers nothing again
    await stack.restart();
    discord.emitMessage({ channel_id: DM_BOB, author: bob, content: "last" });
    await waitForChannelMessage(discord, DM_BOB, "echo: last", stack.firstRecord);
    expect(anthropic.requests).toHaveLength(6);
  });

  it("a reply cut off by a shutdown says so, and after the restart the answer replaces it", async () => {
    stack = await startStack(fakes, { config: streaming });
    const { discord, anthropic } = fakes;
    anthropic.script(KEY_A, { reply: words(300), chunks: 30, delayMs: 150 });
    discord.emitMessage({ channel_id: DM_ALICE, author: alice, content: "a long story please" });
    const preview = await discord.waitFor(() => channelMessages(discord, DM_ALICE, stack!.firstRecord).find((m) => m.content.endsWith("…")));
    await stack.restart();
    expect(channelMessages(discord, DM_ALICE, stack.firstRecord).find((m) => m.id === preview.id)?.content.endsWith(INTERRUPTED_NOTE)).toBe(true);
    await waitForChannelMessage(discord, DM_ALICE, "echo: a long story please", stack.firstRecord);
    expect(channelMessages(discord, DM_ALICE, stack.firstRecord).map((m) => m.id)).toEqual([preview.id]);
    expect(anthropic.requests).toHaveLength(2);
  });
});
