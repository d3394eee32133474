/**
 * `baton gateway` as users run it: the built bin/baton in its own process, a config file in a
 * throw-away state dir pointing channels.telegram.apiRoot at the Telegram fake and
 * ANTHROPIC_BASE_URL at the Anthropic fake. Needs `npm run build` first.
 */
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/util/mask.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import {
  alice,
  assertBuilt,
  bob,
  botTexts,
  KEY_A,
  KEY_B,
  lastUserText,
  makeProcessHome,
  processEnv,
  requestRoles,
  runBatonOnce,
  spawnBaton,
  waitForBotMessage,
  waitForBotText,
  writeAuthStore,
  defaultProfiles,
  writeConfigFile,
  type CliProcess,
  type ProcessHome,
} from "./telegram-helpers.js";

const READY = "Baton gateway running";

let anthropic: FakeAnthropic;
let telegram: FakeTelegram;
let home: ProcessHome;
/** Processes of the running test, stopped (SIGKILL as a last resort) after it. */
let running: CliProcess[] = [];
/** stdout and stderr of every process this file ran. */
const transcripts: { label: string; stdout: string; stderr: string }[] = [];

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
  writeConfigFile(home, { channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url } } });
});

afterEach(async (context) => {
  const failed = context.task.result?.state === "fail";
  for (const proc of running) {
    await proc.terminate(3000);
    if (failed) console.error(`output of the gateway process ${proc.pid}:\n${proc.stderr()}${proc.stdout()}`);
  }
  running = [];
  await telegram.close();
  home.cleanup();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url, ...extra });
}

/** Starts `baton gateway` and resolves once it says it is running (its channels are connected). */
async function startGateway(label: string): Promise<CliProcess> {
  const proc = spawnBaton(["gateway"], env(), home.home);
  running.push(proc);
  void proc.exited.then(() => transcripts.push({ label, stdout: proc.stdout(), stderr: proc.stderr() }));
  await proc.waitForStderr(READY);
  return proc;
}

async function stopGateway(proc: CliProcess): Promise<{ code: number | null; ms: number }> {
  const exit = await proc.terminate();
  running = running.filter((p) => p !== proc);
  return exit;
}

describe("baton gateway process", () => {
  it("answers a DM with the key stored by onboard, and exits 0 within 5 s of SIGTERM", async () => {
    const onboard = await runBatonOnce(["onboard", "--non-interactive", "--anthropic-api-key", KEY_A], env(), home.home);
    transcripts.push({ label: "onboard", stdout: onboard.stdout, stderr: onboard.stderr });
    expect(onboard.code, onboard.stderr).toBe(0);

    const gateway = await startGateway("gateway (onboarded)");
    telegram.pushUserMessage({ from: alice, text: "hello from the process test" });
    await waitForBotText(telegram, alice.id, "echo: hello from the process test");
    expect(anthropic.requests.map((r) => r.credential)).toEqual([KEY_A]);

    const exit = await stopGateway(gateway);
    console.log(`baton gateway: SIGTERM to exit ${exit.ms.toFixed(0)} ms`);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(5000);
  });

  it("answers every message exactly once across a restart, including those sent while it was down", async () => {
    writeAuthStore(home.authStorePath, defaultProfiles());
    const first = await startGateway("gateway (before restart)");
    for (const text of ["m1", "m2"]) {
      telegram.pushUserMessage({ from: alice, text });
      await waitForBotText(telegram, alice.id, `echo: ${text}`);
    }
    expect((await stopGateway(first)).code).toBe(0);

    telegram.pushUserMessage({ from: alice, text: "m3" });
    telegram.pushUserMessage({ from: bob, text: "m4" });
    const second = await startGateway("gateway (after restart)");
    await waitForBotText(telegram, alice.id, "echo: m3");
    await waitForBotText(telegram, bob.id, "echo: m4");
    telegram.pushUserMessage({ from: alice, text: "m5" });
    await waitForBotText(telegram, alice.id, "echo: m5");
    expect((await stopGateway(second)).code).toBe(0);

    expect(botTexts(telegram, alice.id)).toEqual(["echo: m1", "echo: m2", "echo: m3", "echo: m5"]);
    expect(botTexts(telegram, bob.id)).toEqual(["echo: m4"]);
    expect(anthropic.requests.map(lastUserText)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    // The conversation itself survived the restart too.
    expect(requestRoles(anthropic.requests[2])).toEqual(["user", "assistant", "user", "assistant", "user"]);
  });

  it("keeps running on a corrupt auth-profiles.json, tells the user why in plain words, and leaves the file untouched", async () => {
    const corrupt = Buffer.from('{ "version": 1, "profiles": { "anthropic:a": { "type": "api_key", ');
    fs.mkdirSync(home.authStorePath.replace(/\/[^/]+$/, ""), { recursive: true, mode: 0o700 });
    fs.writeFileSync(home.authStorePath, corrupt, { mode: 0o600 });

    const gateway = await startGateway("gateway (corrupt store)");
    telegram.pushUserMessage({ from: alice, text: "are you working?" });
    const reply = await waitForBotMessage(telegram, alice.id, () => true);
    expect(reply.text).toContain(home.authStorePath);
    expect(reply.text).toMatch(/JSON|parse/i);
    expect(reply.text).not.toMatch(/\n\s*at .+:\d+/);
    expect(anthropic.requests).toHaveLength(0);

    // Still alive and answering: a command that does not need credentials.
    telegram.pushUserMessage({ from: alice, text: "/whoami" });
    await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("You are"));
    expect(gateway.child.exitCode).toBeNull();
    expect((await stopGateway(gateway)).code).toBe(0);
    expect(fs.readFileSync(home.authStorePath).equals(corrupt)).toBe(true);
  });

  it("never prints a whole secret, even at debug level with a failing credential", async () => {
    writeConfigFile(home, { gateway: { logLevel: "debug" }, channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url } } });
    writeAuthStore(home.authStorePath, defaultProfiles());
    anthropic.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    const gateway = await startGateway("gateway (debug)");
    telegram.pushUserMessage({ from: alice, text: "hi" });
    await waitForBotText(telegram, alice.id, "echo: hi");
    expect(anthropic.requests.map((r) => r.credential)).toEqual([KEY_A, KEY_B]);
    telegram.pushUserMessage({ from: alice, text: "/model status" });
    const status = await waitForBotMessage(telegram, alice.id, (m) => m.text.includes("Profile order:"));
    expect(status.text).toContain(maskSecret(KEY_B));
    expect((await stopGateway(gateway)).code).toBe(0);

    expect(transcripts.some((t) => t.label === "gateway (debug)" && t.stderr.includes("DEBUG"))).toBe(true);
    for (const t of transcripts) {
      for (const secret of [KEY_A, KEY_B, telegram.token]) {
        for (const [stream, text] of [["stdout", t.stdout], ["stderr", t.stderr]] as const) {
          expect(text.includes(secret), `${t.label}: ${stream} holds a whole secret`).toBe(false);
          expect(text.includes(secret.slice(8, -4)), `${t.label}: ${stream} holds the hidden part of a secret`).toBe(false);
        }
      }
    }
  });
});
