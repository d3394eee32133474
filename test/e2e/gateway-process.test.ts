/**
 * `baton gateway` as users run it: the built bin/baton in its own process, a config file in a
 * throw-away state dir pointing channels.telegram.apiRoot at the Telegram fake and
 * ANTHROPIC_BASE_URL at the Anthropic fake. Needs `npm run build` first.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maskSecret } from "../../src/util/mask.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import { waitFor } from "../support/wait.js";
import {
  alice,
  assertBuilt,
  bob,
  botTexts,
  defaultProfiles,
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
  writeConfigFile,
  type CliProcess,
  type ProcessHome,
} from "./telegram-helpers.js";

const READY = "Baton gateway running";

let anthropic: FakeAnthropic;
let telegram: FakeTelegram;
let home: ProcessHome;
/** Processes started by the running test; after it, those still alive are stopped (SIGKILL as a last resort). */
let started: CliProcess[] = [];
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
  writeConfigFile(home, { channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open" } } });
});

afterEach(async (context) => {
  const failed = context.task.result?.state === "fail";
  for (const proc of started) {
    await proc.terminate(3000);
    if (failed) console.error(`output of the gateway process ${proc.pid}:\n${proc.stderr()}${proc.stdout()}`);
  }
  started = [];
  await telegram.close();
  home.cleanup();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url, ...extra });
}

/** Starts `baton gateway` and resolves once it says it is running (its channels are connected). */
async function startGateway(label: string): Promise<CliProcess> {
  const proc = spawnBaton(["gateway"], env(), home.home);
  started.push(proc);
  void proc.exited.then(() => transcripts.push({ label, stdout: proc.stdout(), stderr: proc.stderr() }));
  await proc.waitForStderr(READY);
  return proc;
}

describe("baton gateway process", () => {
  it("with the Bot API unreachable it starts anyway, reports Telegram down and retrying, and SIGTERM exits 0", async () => {
    writeAuthStore(home.authStorePath, defaultProfiles());
    const closed = await startFakeTelegram();
    const unreachable = closed.url;
    await closed.close();
    writeConfigFile(home, { channels: { telegram: { botToken: telegram.token, apiRoot: unreachable, dmPolicy: "open" } } });
    const gateway = await startGateway("gateway (Bot API unreachable)");
    expect(gateway.stderr()).toMatch(/telegram: down \(retrying/);
    const exit = await gateway.terminate();
    expect(exit, `stderr:\n${gateway.stderr()}`).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
  });

  it("SIGTERM while a channel's start hangs (a Bot API that never answers) still exits 0 within 10 s", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      writeConfigFile(home, { channels: { telegram: { botToken: telegram.token, apiRoot: `http://127.0.0.1:${port}`, dmPolicy: "open" } } });
      const proc = spawnBaton(["gateway"], env(), home.home);
      started.push(proc);
      // the start attempt is waiting on getMe: no start line yet
      await waitFor(() => sockets.size > 0, { what: "the start attempt's connection to the Bot API" });
      expect(proc.stderr()).not.toContain(READY);
      const exit = await proc.terminate(12_000);
      expect(exit, `stderr:\n${proc.stderr()}`).toMatchObject({ code: 0, signal: null });
      expect(exit.ms).toBeLessThan(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("answers a DM with the key stored by onboard, and exits 0 within 5 s of SIGTERM", async () => {
    const onboard = await runBatonOnce(["onboard", "--non-interactive", "--anthropic-api-key", KEY_A], env(), home.home);
    transcripts.push({ label: "onboard", stdout: onboard.stdout, stderr: onboard.stderr });
    expect(onboard.code, onboard.stderr).toBe(0);

    const gateway = await startGateway("gateway (onboarded)");
    telegram.pushUserMessage({ from: alice, text: "hello from the process test" });
    await waitForBotText(telegram, alice.id, "echo: hello from the process test");
    expect(anthropic.requests.map((r) => r.credential)).toEqual([KEY_A]);

    const exit = await gateway.terminate();
    // A clean stop (plugins stopped, offset flushed) ends with exit code 0, not death by the signal.
    expect(exit, `stderr:\n${gateway.stderr()}`).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
  });

  it("answers every message exactly once across a restart, resuming from the stored update offset", async () => {
    writeAuthStore(home.authStorePath, defaultProfiles());
    const first = await startGateway("gateway (before restart)");
    telegram.pushUserMessage({ from: alice, text: "m1" });
    await waitForBotText(telegram, alice.id, "echo: m1");
    // From now on getUpdates fails, so the fake never learns that m2 was handled: Telegram
    // would deliver m2 again to the next process unless it resumes from the stored offset.
    await telegram.waitFor(() => telegram.pollWaiting, 10_000, "a waiting long poll");
    telegram.failNext("getUpdates", { error_code: 502, description: "Bad Gateway" }, 1000);
    const m2 = telegram.pushUserMessage({ from: alice, text: "m2" });
    await waitForBotText(telegram, alice.id, "echo: m2");
    await first.terminate();
    expect(telegram.pendingUpdates.map((u) => u.update_id)).toContain(m2.update_id);
    telegram.clearFailures();

    telegram.pushUserMessage({ from: alice, text: "m3" });
    telegram.pushUserMessage({ from: bob, text: "m4" });
    const second = await startGateway("gateway (after restart)");
    await waitForBotText(telegram, alice.id, "echo: m3");
    await waitForBotText(telegram, bob.id, "echo: m4");
    telegram.pushUserMessage({ from: alice, text: "m5" });
    await waitForBotText(telegram, alice.id, "echo: m5");
    await second.terminate();

    expect(botTexts(telegram, alice.id)).toEqual(["echo: m1", "echo: m2", "echo: m3", "echo: m5"]);
    expect(botTexts(telegram, bob.id)).toEqual(["echo: m4"]);
    // m3 and m4 are in different chats, answered in parallel: their requests may come in either order.
    expect(anthropic.requests.map(lastUserText).sort()).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    // The conversation itself survived the restart too.
    const m3Request = anthropic.requests.find((r) => lastUserText(r) === "m3")!;
    expect(requestRoles(m3Request)).toEqual(["user", "assistant", "user", "assistant", "user"]);
  });

  it("keeps running on a corrupt auth-profiles.json, tells the user why in plain words, and leaves the file untouched", async () => {
    const corrupt = Buffer.from('{ "version": 1, "profiles": { "anthropic:a": { "type": "api_key", ');
    fs.mkdirSync(path.dirname(home.authStorePath), { recursive: true, mode: 0o700 });
    fs.writeFileSync(home.authStorePath, corrupt, { mode: 0o600 });

    const gateway = await startGateway("gateway (corrupt store)");
    telegram.pushUserMessage({ from: alice, text: "are you working?" });
    const reply = await waitForBotMessage(telegram, alice.id, () => true);
    // the file is named relative to the state dir: a chat reply never shows a server path
    expect(reply.text).toContain("<state>/agents/main/agent/auth-profiles.json");
    expect(reply.text).not.toContain(home.stateDir);
    expect(reply.text).toContain("invalid JSON");
    expect(reply.text).not.toMatch(/\n\s*at .+:\d+/);
    expect(anthropic.requests).toHaveLength(0);

    // Still alive and answering: a command that does not need credentials.
    telegram.pushUserMessage({ from: alice, text: "/whoami" });
    await waitForBotMessage(telegram, alice.id, (m) => m.text.startsWith("You are"));
    expect(gateway.child.exitCode).toBeNull();
    await gateway.terminate();
    expect(fs.readFileSync(home.authStorePath).equals(corrupt)).toBe(true);
  });

  it("never prints a whole secret, even at debug level with a failing credential", async () => {
    writeConfigFile(home, { gateway: { logLevel: "debug" }, channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open" } } });
    writeAuthStore(home.authStorePath, defaultProfiles());
    anthropic.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    const gateway = await startGateway("gateway (debug)");
    telegram.pushUserMessage({ from: alice, text: "hi" });
    await waitForBotText(telegram, alice.id, "echo: hi");
    expect(anthropic.requests.map((r) => r.credential)).toEqual([KEY_A, KEY_B]);
    telegram.pushUserMessage({ from: alice, text: "/model status" });
    const status = await waitForBotMessage(telegram, alice.id, (m) => m.text.includes("Profile order:"));
    expect(status.text).toContain(maskSecret(KEY_B));
    await gateway.terminate();

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
