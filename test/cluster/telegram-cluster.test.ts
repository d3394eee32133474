/**
 * Several `baton gateway` processes on one Redis (DESIGN.md §13): one Telegram poller at any
 * moment, the others on standby; the holder SIGKILLed again and again during a message stream.
 * Real processes (built dist/), a real redis-server, the Telegram and Anthropic fakes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import {
  assertBuilt,
  botTexts,
  defaultProfiles,
  KEY_A,
  KEY_B,
  runBatonOnce,
  makeProcessHome,
  processEnv,
  spawnBaton,
  waitForBotText,
  writeAuthStore,
  writeConfigFile,
  type CliProcess,
  type ProcessHome,
} from "../e2e/telegram-helpers.js";
import { seededRandom } from "../reliability/prng.js";
import { startRedis, type TestRedis } from "../support/redis.js";
import { waitFor } from "../support/wait.js";

const READY = "Baton gateway running";
const LEASE_TTL_MS = 1500;

let redis: TestRedis;
let anthropic: FakeAnthropic;
let telegram: FakeTelegram;
let home: ProcessHome;
let running: CliProcess[] = [];
const everyProcess: CliProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  [redis, anthropic] = await Promise.all([startRedis(), startFakeAnthropic()]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), anthropic?.close()]);
});

beforeEach(async () => {
  anthropic.reset();
  telegram = await startFakeTelegram();
  home = makeProcessHome();
  writeAuthStore(home.authStorePath, defaultProfiles());
  writeConfigFile(home, {
    state: { backend: "redis", redis: { url: redis.url, keyPrefix: `cluster${Date.now()}:`, leaseTtlMs: LEASE_TTL_MS } },
    channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open" } },
  });
});

afterEach(async (context) => {
  const failed = context.task.result?.state === "fail";
  await Promise.all(running.map((proc) => proc.terminate(3000)));
  if (failed) for (const proc of everyProcess) console.error(`--- gateway ${proc.pid}:\n${proc.stderr()}`);
  running = [];
  everyProcess.length = 0;
  await telegram.close();
  home.cleanup();
});

async function startGateway(): Promise<CliProcess> {
  const proc = spawnBaton(["gateway"], processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url }), home.home);
  running.push(proc);
  everyProcess.push(proc);
  await proc.waitForStderr(READY);
  return proc;
}

/** The running process that polls Telegram now (it connected after its last lease acquisition). */
function holder(): CliProcess | undefined {
  return running.find((proc) => proc.child.exitCode === null && holds(proc));
}

function holds(proc: CliProcess): boolean {
  const err = proc.stderr();
  const acquired = Math.max(err.lastIndexOf("telegram: up"), err.lastIndexOf("channel lease acquired"));
  return acquired >= 0 && acquired > err.lastIndexOf("channel lease lost");
}

/** getUpdates calls Telegram refused because another one was polling: two pollers at once. */
const conflicts = () => telegram.calls.filter((c) => c.method.toLowerCase() === "getupdates" && c.errorCode === 409).length;

describe("gateways sharing Redis", () => {
  it("keep one Telegram poller; SIGKILLing the holder 5 times loses no message and answers each once, in order per chat", async () => {
    const seed = Number(process.env.CLUSTER_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = seededRandom(seed).next; // CLUSTER_SEED repeats a run
    // turns take a while (3 deltas × 60 ms), so kills land mid-turn and mid-delivery too
    anthropic.setEchoDelay(60);
    console.info(`cluster seed ${seed} (CLUSTER_SEED=${seed} repeats it)`);
    await startGateway();
    await startGateway();
    await waitFor(() => holder(), { what: "one gateway to hold the Telegram connection" });
    expect(running.filter(holds)).toHaveLength(1);
    expect(running.find((p) => !holds(p))!.stderr()).toContain("telegram: standby");

    const chats = [1, 2, 3].map((n) => ({ id: 7_000_000 + n, first_name: `User${n}`, username: `user${n}` }));
    const sent = new Map<number, string[]>(chats.map((c) => [c.id, []]));
    let counter = 0;
    const push = () => {
      for (const chat of chats) {
        const text = `m${++counter}`;
        sent.get(chat.id)!.push(text);
        telegram.pushUserMessage({ from: chat, text });
      }
    };

    for (let kill = 0; kill < 5; kill++) {
      push();
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 400)));
      push();
      const victim = holder()!;
      victim.child.kill("SIGKILL");
      await victim.exited;
      running = running.filter((p) => p !== victim);
      await startGateway(); // a new standby, so two processes keep running
      await waitFor(() => holder(), { what: `a standby to take over (kill ${kill + 1})`, timeoutMs: LEASE_TTL_MS + 15_000 });
    }
    push();

    for (const chat of chats) {
      const last = sent.get(chat.id)!.at(-1)!;
      await waitForBotText(telegram, chat.id, `echo: ${last}`, 30_000);
    }
    console.info(`${counter} messages, ${anthropic.requests.length} model requests (turns cut by a kill run again on the new holder)`);
    // every message answered, once, in the order it was sent
    for (const chat of chats) expect(botTexts(telegram, chat.id)).toEqual(sent.get(chat.id)!.map((t) => `echo: ${t}`));
    expect(running.filter(holds)).toHaveLength(1);
    expect(conflicts()).toBe(0);
  }, 120_000);

  it("honour a 429 recorded by one gateway in another process's next turn, without a request to the cooling key", async () => {
    await startGateway();
    await waitFor(() => holder(), { what: "the holder" });
    anthropic.script(KEY_A, { error: { status: 429, type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" }, retryAfterSeconds: 60 });
    const alice = { id: 7_100_001, first_name: "Alice", username: "alice" };
    telegram.pushUserMessage({ from: alice, text: "first" });
    await waitForBotText(telegram, alice.id, "echo: first");
    expect(anthropic.requests.map((r) => r.credential)).toEqual([KEY_A, KEY_B]);

    // another process on the same Redis: `baton agent` runs one turn
    const other = await runBatonOnce(["agent", "-m", "second"], processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url }), home.home);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain("echo: second");
    expect(anthropic.requests.map((r) => r.credential)).toEqual([KEY_A, KEY_B, KEY_B]);
  });

  it("with Redis paused and then stopped: stops confirming updates, answers nothing twice, and catches up once Redis is back", async () => {
    await startGateway();
    await startGateway();
    await waitFor(() => holder(), { what: "the holder" });
    const carol = { id: 7_200_001, first_name: "Carol", username: "carol" };
    telegram.pushUserMessage({ from: carol, text: "before" });
    await waitForBotText(telegram, carol.id, "echo: before");

    redis.pause();
    telegram.pushUserMessage({ from: carol, text: "while paused" });
    // the holder cannot renew: it stands down before its lease could pass to anyone
    await waitFor(() => !holder(), { what: "the holder to stand down", timeoutMs: LEASE_TTL_MS + 10_000 });
    redis.resume();
    await waitForBotText(telegram, carol.id, "echo: while paused", 30_000);

    // stopped, not paused: connections refused at once (the data is kept by nothing: the suite's server keeps none)
    const before = botTexts(telegram, carol.id).length;
    await redis.stop();
    telegram.pushUserMessage({ from: carol, text: "while stopped" });
    await waitFor(() => !holder(), { what: "the holder to stand down", timeoutMs: LEASE_TTL_MS + 10_000 });
    expect(botTexts(telegram, carol.id)).toHaveLength(before);
    await redis.restart();
    await waitForBotText(telegram, carol.id, "echo: while stopped", 30_000);
    expect(botTexts(telegram, carol.id)).toEqual(["echo: before", "echo: while paused", "echo: while stopped"]);
  }, 90_000);
});
