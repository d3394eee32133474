import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/util/mask.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import {
  alice,
  assertBuilt,
  bob,
  BOT_USERNAME,
  botTexts,
  GROUP,
  KEY_A,
  requestModel,
  runBatonOnce,
  startStack,
  waitForBotMessage,
  waitForBotText,
  type Stack,
} from "./telegram-helpers.js";

/**
 * Access end to end over Telegram (DESIGN.md §8): the real gateway and grammY against the fakes,
 * with the default policies (pairing, group allowlist, owner-only switching) and Alice as owner;
 * `baton pairing approve` is the real CLI run against the gateway's state dir.
 */

let anthropic: FakeAnthropic;
let stack: Stack | undefined;

beforeAll(async () => {
  assertBuilt();
  anthropic = await startFakeAnthropic();
});
afterAll(async () => {
  await anthropic?.close();
});
beforeEach(() => anthropic.reset());
afterEach(async (context) => {
  if (context.task.result?.state === "fail" && stack) console.error(`gateway log of the failed test:\n${stack.logs.join("")}`);
  await stack?.stop();
  stack = undefined;
});

const carol = { id: 5_000_003, first_name: "Carol" };
const OTHER_GROUP = { id: -1_001_000_000_009, type: "supergroup" as const, title: "Strangers" };
const mention = (text: string) => `@${BOT_USERNAME} ${text}`;

/** The defaults, stated over the suite's open fixture: Alice owns the bot, GROUP is listed. */
function defaultsWithOwner() {
  return {
    commands: {},
    channels: { telegram: { allowFrom: [alice.id], dmPolicy: "pairing" as const, groupPolicy: "allowlist" as const, groups: { [String(GROUP.id)]: {} } } },
  };
}

function cli(stack: Stack, args: string[]) {
  return runBatonOnce(args, { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: stack.stateDir, BATON_STATE_DIR: stack.stateDir, NO_COLOR: "1" }, stack.stateDir);
}

describe("access over Telegram", () => {
  it("an unknown DM gets a pairing code and no model call; `baton pairing approve` lets them in without a restart", async () => {
    stack = await startStack(anthropic, { config: defaultsWithOwner() });
    const { telegram } = stack;
    telegram.pushUserMessage({ from: carol, text: "hi bot, what can you do?" });
    const offer = await waitForBotMessage(telegram, carol.id, (m) => m.text.includes("pairing code"));
    const code = /pairing code: ([A-Z2-9]{8})/.exec(offer.text)![1];
    expect(offer.text).toContain(`Ask the owner to run: baton pairing approve telegram ${code}`);

    telegram.pushUserMessage({ from: carol, text: "/model sonnet" });
    await waitForBotMessage(telegram, carol.id, (m) => m.messageId !== offer.messageId);
    expect(botTexts(telegram, carol.id)).toEqual([offer.text, offer.text]); // the same code again
    expect(anthropic.requests).toHaveLength(0);

    const listed = await cli(stack, ["pairing", "list", "--json"]);
    expect(JSON.parse(listed.stdout).channels[0].pending).toMatchObject([{ code, userId: String(carol.id), name: "Carol" }]);
    const approved = await cli(stack, ["pairing", "approve", "telegram", code]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved telegram user ${carol.id} (Carol)`);

    telegram.pushUserMessage({ from: carol, text: "now?" });
    await waitForBotText(telegram, carol.id, "echo: now?");
    expect(anthropic.requests).toHaveLength(1);

    const revoked = await cli(stack, ["pairing", "revoke", "telegram", String(carol.id)]);
    expect(revoked.code, revoked.stderr).toBe(0);
    telegram.pushUserMessage({ from: carol, text: "still there?" });
    await telegram.waitFor(() => botTexts(telegram, carol.id).filter((t) => t.includes("pairing code")).length === 3 || undefined, 10_000, "a new pairing offer");
    expect(botTexts(telegram, carol.id).at(-1)).not.toContain(code);
    expect(anthropic.requests).toHaveLength(1);
  });

  it("a group outside the allowlist is ignored (logged once with the key to add); the listed group is answered", async () => {
    stack = await startStack(anthropic, { config: defaultsWithOwner() });
    const { telegram } = stack;
    telegram.pushUserMessage({ chat: OTHER_GROUP, from: alice, text: mention("anyone here?") });
    telegram.pushUserMessage({ chat: OTHER_GROUP, from: bob, text: mention("hello?") });
    telegram.pushUserMessage({ chat: OTHER_GROUP, from: alice, text: "/model status" });
    telegram.pushUserMessage({ chat: GROUP, from: bob, text: mention("and here?") });
    await waitForBotText(telegram, GROUP.id, "echo: and here?");
    // updates are handled in order per chat, and the other group's came first: wait for their log lines
    await telegram.waitFor(() => stack!.logs.some((l) => l.includes(`channels.telegram.groups."${OTHER_GROUP.id}"`)), 5_000, "the ignored group's log line");
    expect(botTexts(telegram, OTHER_GROUP.id)).toEqual([]);
    expect(anthropic.requests.map((r) => requestModel(r))).toEqual(["claude-opus-4-5"]);
    expect(stack.logs.filter((l) => l.includes(`channels.telegram.groups."${OTHER_GROUP.id}"`))).toHaveLength(1);
  });

  it("a non-owner's /model sonnet in a group is refused and changes nothing; the owner's works", async () => {
    stack = await startStack(anthropic, { config: defaultsWithOwner() });
    const { telegram } = stack;
    telegram.pushUserMessage({ chat: GROUP, from: bob, text: "/model sonnet" });
    telegram.pushUserMessage({ chat: GROUP, from: bob, text: "/model status" });
    const status = await waitForBotMessage(telegram, GROUP.id, (m) => m.text.includes("Profile order:"));
    expect(status.text).not.toContain(maskSecret(KEY_A));
    expect(status.text).not.toContain("Endpoint:");
    expect(status.text).toContain("Model: anthropic/claude-opus-4-5 (agent default)");
    telegram.pushUserMessage({ chat: GROUP, from: bob, text: mention("which model?") });
    await waitForBotText(telegram, GROUP.id, "echo: which model?");
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-opus-4-5");
    expect(botTexts(telegram, GROUP.id).some((t) => t.startsWith("Model set"))).toBe(false);

    telegram.pushUserMessage({ chat: GROUP, from: alice, text: "/model sonnet" });
    await waitForBotMessage(telegram, GROUP.id, (m) => m.text.startsWith("Model set to sonnet"));
    telegram.pushUserMessage({ chat: GROUP, from: bob, text: mention("and now?") });
    await waitForBotText(telegram, GROUP.id, "echo: and now?");
    expect(requestModel(anthropic.requests.at(-1)!)).toBe("claude-sonnet-5-5");
  });
});
