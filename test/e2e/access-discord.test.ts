import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/util/mask.js";
import {
  alice,
  bob,
  channelMessages,
  closeFakes,
  DM_BOB,
  GENERAL,
  GUILD,
  KEY_A,
  OPEN_CHANNEL,
  OPEN_GUILD,
  requestModel,
  startFakes,
  startStack,
  waitForChannelMessage,
  waitForInteractionReply,
  type Fakes,
  type Stack,
} from "./discord-helpers.js";
import { assertBuilt, runBatonOnce } from "./telegram-helpers.js";

/**
 * Access end to end over Discord (DESIGN.md §8): the real gateway and discord.js against the
 * fakes, with the default policies (pairing, guild allowlist, owner-only switching) and Alice as
 * owner; `baton pairing approve` is the real CLI against the gateway's state dir.
 */

let fakes: Fakes;
let stack: Stack | undefined;

beforeAll(async () => {
  assertBuilt();
  fakes = await startFakes();
});
afterAll(async () => {
  await closeFakes(fakes);
});
beforeEach(() => fakes.anthropic.reset());
afterEach(async (context) => {
  if (context.task.result?.state === "fail" && stack) console.error(`gateway log of the failed test:\n${stack.logs.join("")}`);
  await stack?.stop();
  stack = undefined;
});

const mention = (text: string) => `<@${fakes.discord.botUser.id}> ${text}`;
const inGeneral = { channel_id: GENERAL, guild_id: GUILD };

/** The defaults, stated over the suite's open fixture: Alice owns the bot, GUILD is listed. */
function defaultsWithOwner() {
  return {
    commands: {},
    channels: { discord: { allowFrom: [alice.id], dmPolicy: "pairing" as const, guildPolicy: "allowlist" as const, guilds: { [GUILD]: {} } } },
  };
}

function cli(stack: Stack, args: string[]) {
  return runBatonOnce(args, { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: stack.stateDir, BATON_STATE_DIR: stack.stateDir, NO_COLOR: "1" }, stack.stateDir);
}

describe("access over Discord", () => {
  it("an unknown DM gets a pairing code and no model call, a slash command too; `baton pairing approve` lets them in without a restart", async () => {
    stack = await startStack(fakes, { config: defaultsWithOwner() });
    const { discord, anthropic } = fakes;
    discord.emitMessage({ channel_id: DM_BOB, author: bob, content: "hi bot" });
    const offer = await discord.waitFor(() => channelMessages(discord, DM_BOB, stack!.firstRecord).find((m) => m.content.includes("pairing code")));
    const code = /pairing code: `?([A-Z2-9]{8})/.exec(offer.content)![1];
    expect(offer.content).toContain(`Ask the owner to run: \`baton pairing approve discord ${code}\``);

    const slash = discord.emitCommand({ name: "model", options: { model: "sonnet" }, user: bob, channel_id: DM_BOB });
    const slashReply = await waitForInteractionReply(discord, slash);
    expect(slashReply.content).toContain(code);
    expect(slashReply.ephemeral).toBe(true);
    expect(anthropic.requests).toHaveLength(0);

    const approved = await cli(stack, ["pairing", "approve", "discord", code]);
    expect(approved.code, approved.stderr).toBe(0);
    discord.emitMessage({ channel_id: DM_BOB, author: bob, content: "and now?" });
    await waitForChannelMessage(discord, DM_BOB, "echo: and now?", stack.firstRecord);
    expect(anthropic.requests).toHaveLength(1);
  });

  it("a guild outside the allowlist is ignored, and a slash command there is answered with an ephemeral refusal", async () => {
    stack = await startStack(fakes, { config: defaultsWithOwner() });
    const { discord, anthropic } = fakes;
    discord.emitMessage({ channel_id: OPEN_CHANNEL, guild_id: OPEN_GUILD, author: alice, content: mention("anyone?") });
    const slash = discord.emitCommand({ name: "model", options: { view: "status" }, user: alice, channel_id: OPEN_CHANNEL, guild_id: OPEN_GUILD });
    const refusal = await waitForInteractionReply(discord, slash);
    expect(refusal.content).toBe("This bot does not answer in this chat.");
    expect(refusal.ephemeral).toBe(true);
    discord.emitMessage({ ...inGeneral, author: bob, content: mention("here?") });
    await waitForChannelMessage(discord, GENERAL, "echo: here?", stack.firstRecord);
    expect(channelMessages(discord, OPEN_CHANNEL, stack.firstRecord)).toEqual([]);
    expect(anthropic.requests).toHaveLength(1);
    expect(stack.logs.filter((l) => l.includes(`channels.discord.guilds."${OPEN_GUILD}"`))).toHaveLength(1);
  });

  it("a non-owner's /model sonnet is refused privately and changes nothing; /model status hides masks from them", async () => {
    stack = await startStack(fakes, { config: defaultsWithOwner() });
    const { discord, anthropic } = fakes;
    const refused = discord.emitCommand({ name: "model", options: { model: "sonnet" }, user: bob, ...inGeneral });
    const refusal = await waitForInteractionReply(discord, refused);
    expect(refusal.content).toBe("You are not allowed to do that here.");
    expect(refusal.ephemeral).toBe(true);
    discord.emitMessage({ ...inGeneral, author: bob, content: mention("/model sonnet") });

    const status = discord.emitCommand({ name: "model", options: { view: "status" }, user: bob, ...inGeneral });
    const statusReply = await waitForInteractionReply(discord, status);
    expect(statusReply.content).toContain("Profile order:");
    expect(statusReply.content).not.toContain(maskSecret(KEY_A));
    expect(statusReply.content).not.toContain("Endpoint:");

    discord.emitMessage({ ...inGeneral, author: bob, content: mention("which model?") });
    await waitForChannelMessage(discord, GENERAL, "echo: which model?", stack.firstRecord);
    expect(anthropic.requests.map(requestModel)).toEqual(["claude-opus-4-5"]);

    const allowed = discord.emitCommand({ name: "model", options: { model: "sonnet" }, user: alice, ...inGeneral });
    expect((await waitForInteractionReply(discord, allowed)).content).toContain("Model set to sonnet");
  });
});
