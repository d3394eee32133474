import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "../cli/helpers.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram, type FakeUpdate } from "../fakes/telegram/index.js";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { killHard, snapshotBuild, startGatewayProcess, type BuildSnapshot, type GatewayProcess } from "./baton-process.js";
import { matchOutcomes, type Inbound } from "./outcomes.js";
import { seededRandom } from "./prng.js";
import { checkStateDir } from "./state-files.js";
import { writeAuthProfiles } from "./telegram-stack.js";

/**
 * Crash test (issue 8): `baton gateway` (the built CLI, a child process) takes a steady stream
 * of Telegram DMs and is killed with SIGKILL at random moments (seeded) five times, each time
 * restarted while messages keep coming; answers stream slowly, so kills land mid-turn, mid-write
 * and mid-poll. After each kill every file Baton keeps must parse; at the end no message may
 * have been answered twice, and every message must be answered, except as Baton's delivery
 * guarantee allows:
 *
 * What Baton guarantees for Telegram long polling is AT MOST ONCE. The runner asks for the next
 * batch (getUpdates with offset = last received id + 1) as soon as it has a batch, which tells
 * Telegram to forget everything received so far, before those messages are answered; the plugin
 * also stores the id of each update once the core has queued it (not answered it). A message the
 * killed gateway had received but not yet answered is therefore gone: Telegram will not send it
 * again and nothing on disk remembers it, so it is neither answered nor reported after the
 * restart. Every other message — sent while the gateway was down, or not yet fetched when it
 * died — is answered after the restart, once. The test asserts exactly that: each unanswered
 * message had been confirmed to Telegram (a getUpdates with a higher offset) by a gateway that
 * was then killed.
 */

const SEED = Number(process.env.BATON_CRASH_SEED ?? 7_202_511);
const KILLS = 5;
const CHATS = 40;
const PUSH_EVERY_MS = 100;

const KEYS = {
  "anthropic:one": `sk-ant-api03-CRASHONE${"1".repeat(70)}-oneKEY00`,
  "anthropic:two": `sk-ant-api03-CRASHTWO${"2".repeat(70)}-twoKEY00`,
  "anthropic:three": `sk-ant-api03-CRASHTHREE${"3".repeat(68)}-threeKEY`,
};

let telegram: FakeTelegram | undefined;
let anthropic: FakeAnthropic | undefined;
let proxy: FaultProxy | undefined;
let gateway: GatewayProcess | undefined;
let home: string | undefined;
let build: BuildSnapshot | undefined;

beforeAll(async () => {
  assertBuilt();
  build = await snapshotBuild();
});
afterAll(async () => {
  if (gateway && gateway.exitedAt === undefined) await killHard(gateway);
  await proxy?.close();
  await anthropic?.close();
  await telegram?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
  build?.remove();
});

describe("crash and restart", () => {
  it("loses no file and answers no message twice when the gateway is killed mid-stream five times", async () => {
    // Kill times and traffic draw from separate generators, so each replays from the seed on its own.
    const timing = seededRandom(SEED);
    const traffic = seededRandom(SEED + 1);
    telegram = await startFakeTelegram();
    telegram.setLimits({ perChat: false, perGroup: false, global: false });
    anthropic = await startFakeAnthropic();
    // Every answer streams slowly (four deltas, up to 300 ms apart), so several turns are always under way.
    proxy = await startFaultProxy({ fake: anthropic, decide: () => ({ kind: "slow", delayMs: traffic.int(20, 300) }) });

    home = fs.mkdtempSync(path.join(os.tmpdir(), "baton-crash-"));
    const stateDir = path.join(home, ".baton");
    writeAuthProfiles(
      path.join(stateDir, "agents", "main", "agent", "auth-profiles.json"),
      Object.fromEntries(Object.entries(KEYS).map(([id, key]) => [id, { type: "api_key", provider: "anthropic", key }])),
    );
    fs.writeFileSync(
      path.join(stateDir, "baton.json5"),
      `{ channels: { telegram: { botToken: "${telegram.token}", apiRoot: "${telegram.url}" } }, gateway: { logLevel: "debug" } }\n`,
      { mode: 0o600 },
    );
    const env = { ANTHROPIC_BASE_URL: proxy.url };

    const inbound: (Inbound & { update: FakeUpdate })[] = [];
    let pushed = 0;
    const pusher = setInterval(() => {
      const chatId = 700_001 + traffic.int(0, CHATS - 1);
      const text = `c${chatId - 700_000} n${pushed++}`; // short: "echo: ..." stays under the streaming preview threshold
      const update = telegram!.pushUserMessage({ from: { id: chatId }, text });
      inbound.push({ chatId, text, label: text, update });
    }, PUSH_EVERY_MS);

    const lives: GatewayProcess[] = [];
    const stateProblems: string[] = [];
    const leftovers = new Set<string>();
    const lifeFigures: string[] = [];
    try {
      for (let life = 0; life < KILLS; life++) {
        gateway = await startGatewayProcess({ bin: build!.bin, home, stateDir, env });
        lives.push(gateway);
        await new Promise((resolve) => setTimeout(resolve, timing.int(300, 3000)));
        await killHard(gateway);
        lifeFigures.push(`${gateway.exitedAt! - gateway.spawnedAt} ms/${telegram.sent.filter((r) => r.at >= gateway!.spawnedAt && r.at <= gateway!.exitedAt!).length} replies`);
        const state = checkStateDir(stateDir);
        stateProblems.push(...state.problems.map((p) => `after kill ${life + 1}: ${p}`));
        for (const file of state.leftovers) leftovers.add(file);
        await new Promise((resolve) => setTimeout(resolve, timing.int(0, 1000)));
      }
      gateway = await startGatewayProcess({ bin: build!.bin, home, stateDir, env });
      lives.push(gateway);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      clearInterval(pusher);
    }

    // Which updates did a killed gateway confirm? Any getUpdates it sent with offset > id.
    const killed = lives.slice(0, KILLS);
    const confirmedByKilled = Math.max(
      0,
      ...telegram.calls
        .filter((c) => c.method === "getUpdates" && killed.some((l) => c.at >= l.spawnedAt && c.at <= (l.exitedAt ?? 0)))
        .map((c) => Number(c.params.offset ?? 0)),
    );
    const lostInCrash = (m: (typeof inbound)[number]) => m.update.update_id < confirmedByKilled;

    // The last gateway drains: everything not lost in a crash gets its answer.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const report = matchOutcomes(inbound, telegram.sent, () => false);
      const waiting = report.missing.filter((m) => !lostInCrash(m));
      if (!waiting.length && telegram.pendingUpdates.length === 0 && proxy.inFlight() === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `not answered after 60 s: ${waiting.map((m) => `${m.label} (update ${m.update.update_id})`).join(", ")}; confirmed by killed gateways: < ${confirmedByKilled}; ` +
            `pending updates ${telegram.pendingUpdates.length}; Anthropic requests open ${proxy.inFlight()}; problems ${report.problems.join("; ")}\n` +
            `last gateway:\n${gateway.stderr().slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    gateway.child.kill("SIGTERM");
    const exit = await gateway.exited;

    const report = matchOutcomes(inbound, telegram.sent, () => false);
    expect(report.problems).toEqual([]); // none answered twice, nothing unexpected
    expect(report.missing.filter((m) => !lostInCrash(m)).map((m) => m.label)).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });
    const state = checkStateDir(stateDir);
    expect([...stateProblems, ...state.problems]).toEqual([]);
    expect(state.offset?.lastUpdateId).toBe(Math.max(...inbound.map((m) => m.update.update_id)));
    // Each session's history holds the messages answered in it, in order, and at most some
    // whose turn finished (and was stored) in a gateway killed before the reply went out.
    let storedNotDelivered = 0;
    for (const session of state.sessions) {
      const chatId = Number(session.key.split(":").at(-1));
      const asked = session.history.filter((h) => h.role === "user").map((h) => h.content);
      const ofChat = inbound.filter((m) => m.chatId === chatId);
      const answered = ofChat.filter((m) => report.outcomes.get(m)!.kind === "reply").map((m) => m.text);
      expect(asked.filter((text) => answered.includes(text)), session.key).toEqual(answered);
      const extra = ofChat.filter((m) => asked.includes(m.text) && !answered.includes(m.text));
      expect(extra.filter((m) => !lostInCrash(m)).map((m) => m.label), session.key).toEqual([]);
      storedNotDelivered += extra.length;
    }
    const output = lives.map((l) => l.stderr() + l.stdout()).join("\n");
    for (const key of Object.values(KEYS)) expect(output.includes(key.slice(8, -4)), "a key leaked").toBe(false);
    expect(output.includes(telegram.token.slice(8, -4)), "the bot token leaked").toBe(false);

    console.log(
      `crash test (seed ${SEED}): ${inbound.length} messages, ${KILLS} SIGKILLs (lives before each: ${lifeFigures.join(", ")}); ${report.replies} answered once, ` +
        `${report.missing.length} lost with a killed gateway (received, confirmed to Telegram, not yet answered; ${storedNotDelivered} of them stored as answered), 0 twice; ` +
        `temp files left by cut writes: ${leftovers.size ? [...leftovers].join(", ") : "none"}`,
    );
  }, 180_000);
});
