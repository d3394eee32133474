/**
 * A reply cut off mid-stream by the process dying (`bin/baton gateway`, SIGKILL) or stopping
 * (SIGTERM): after the restart the answer replaces the preview left on the chat, and no second
 * message is sent. Needs `npm run build` first.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { INTERRUPTED_NOTE } from "../../src/chat/delivery.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import {
  alice,
  assertBuilt,
  botMessages,
  defaultProfiles,
  KEY_A,
  makeProcessHome,
  processEnv,
  spawnBaton,
  waitForBotMessage,
  waitForBotText,
  writeAuthStore,
  writeConfigFile,
  type CliProcess,
  type ProcessHome,
} from "./telegram-helpers.js";

const READY = "Baton gateway running";
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

let anthropic: FakeAnthropic;
let telegram: FakeTelegram;
let home: ProcessHome;
let started: CliProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  anthropic = await startFakeAnthropic();
});
afterAll(async () => {
  await anthropic?.close();
});
beforeEach(async () => {
  anthropic.reset();
  telegram = await startFakeTelegram();
  home = makeProcessHome();
  writeAuthStore(home.authStorePath, defaultProfiles());
  writeConfigFile(home, { channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open" } }, gateway: { streaming: { editIntervalMs: 300 } } });
});
afterEach(async (context) => {
  for (const proc of started) {
    const exit = await proc.terminate(3000);
    if (context.task.result?.state === "fail") console.error(`gateway ${proc.pid} (${exit.code ?? exit.signal}):\n${proc.stderr()}`);
  }
  started = [];
  await telegram.close();
  home.cleanup();
});

async function startGateway(): Promise<CliProcess> {
  const proc = spawnBaton(["gateway"], processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url }), home.home);
  started.push(proc);
  await proc.waitForStderr(READY);
  return proc;
}

describe("a reply cut off by the process ending", () => {
  it.each(["SIGKILL", "SIGTERM"] as const)("is replaced by the answer after a restart (%s)", async (signal) => {
    const first = await startGateway();
    anthropic.script(KEY_A, { reply: words(400), chunks: 40, delayMs: 150 });
    telegram.pushUserMessage({ from: alice, text: "a long story please" });
    // once the preview has been edited, its id is stored (the edit waits for that write): the
    // few milliseconds between the first send and the write are the one window a kill loses it in
    const preview = await waitForBotMessage(telegram, alice.id, (m) => m.records.length >= 2 && m.text.endsWith("…"), 20_000);
    first.child.kill(signal);
    await first.exited;
    const left = telegram.message(alice.id, preview.messageId)!.text!;
    // SIGKILL leaves the preview as it was; SIGTERM says why it stopped
    expect(left.endsWith(signal === "SIGKILL" ? "…" : INTERRUPTED_NOTE)).toBe(true);

    await startGateway();
    await waitForBotText(telegram, alice.id, "echo: a long story please", 20_000);
    expect(botMessages(telegram, alice.id).map((m) => m.messageId)).toEqual([preview.messageId]);
    expect(anthropic.requests).toHaveLength(2);
  });
});
