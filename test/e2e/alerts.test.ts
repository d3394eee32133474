import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { waitFor } from "../support/wait.js";
import { alice, bob, botMessages, KEY_A, KEY_B, startStack, waitForBotMessage, waitForBotText, type Stack } from "./telegram-helpers.js";

/**
 * Credential alerts (gateway.alerts.to) end to end: the real gateway, Telegram plugin and fake
 * Bot API; the Anthropic fake answers one key with 401. The owner (bob) gets exactly one DM per
 * state change, restarts included.
 */

let anthropic: FakeAnthropic;
let stack: Stack | undefined;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
});
afterAll(() => anthropic?.close());
afterEach(async (context) => {
  if (context.task.result?.state === "fail" && stack) console.error(`gateway log of the failed test:\n${stack.logs.join("")}`);
  await stack?.stop();
  stack = undefined;
});

const unauthorized = { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } };
const checks = (s: Stack) => s.logs.filter((line) => line.includes("credential alerts checked")).length;
const ownerDms = (s: Stack) => botMessages(s.telegram, bob.id).filter((m) => m.text.startsWith("Baton: "));

describe("gateway.alerts.to", () => {
  it("a key answered with 401: the owner gets exactly one DM; a second failure and a restart send none", async () => {
    anthropic.reset();
    stack = await startStack(anthropic, { config: { gateway: { alerts: { to: [`telegram:${bob.id}`] } }, auth: { order: { anthropic: ["anthropic:a", "anthropic:b"] } } } });
    const { telegram } = stack;
    // Telegram lets a bot write only to users who started a chat with it
    telegram.pushUserMessage({ from: bob, text: "hi" });
    await waitForBotText(telegram, bob.id, "echo: hi");
    await waitFor(() => checks(stack!) >= 1, { timeoutMs: 15_000, what: "the first alert check" });

    anthropic.script(KEY_A, { ...unauthorized, times: 10 });
    telegram.pushUserMessage({ from: alice, text: "first" });
    // anthropic:a is rejected, anthropic:b answers
    await waitForBotText(telegram, alice.id, "echo: first");
    const dm = await waitForBotMessage(telegram, bob.id, (m) => m.text.startsWith("Baton: "), 15_000);
    expect(dm.text).toContain("profile anthropic:a (agent main) was rejected by anthropic (401: invalid x-api-key)");
    expect(dm.text).toContain("Create a new key in the Anthropic Console, then baton models auth paste-token --provider anthropic --profile-id anthropic:a");
    expect(dm.text).not.toContain(KEY_A);

    // the same profile fails again (pinned, so it is tried in its cooldown): still rejected, no second DM
    telegram.pushUserMessage({ from: alice, text: "/model opus@anthropic:a" });
    await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("Model set to opus"));
    const before = checks(stack);
    telegram.pushUserMessage({ from: alice, text: "again" });
    await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("Anthropic rejected the API key of profile anthropic:a"));
    await waitFor(() => checks(stack!) > before, { timeoutMs: 15_000, what: "the check after the second failure" });
    expect(ownerDms(stack)).toHaveLength(1);

    // a restart remembers what was alerted
    await stack.restart();
    const afterRestart = checks(stack);
    await waitFor(() => checks(stack!) > afterRestart, { timeoutMs: 15_000, what: "the check at start" });
    expect(ownerDms(stack)).toHaveLength(1);
    expect(anthropic.requests.filter((r) => r.credential === KEY_B)).not.toHaveLength(0);
  });
});
