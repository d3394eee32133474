/**
 * The full gateway as users run it: `bin/baton gateway` as a child process with Telegram AND
 * Discord configured against the fakes (Anthropic too), all on 127.0.0.1.
 *
 * 1. Start-up: spawn until Telegram is long-polling and Discord's gateway socket is identified.
 * 2. Idle memory: after ~5 s idle, VmRSS and VmHWM from /proc/<pid>/status. Target RSS < 120 MB.
 * 3. Latency of the full path (discord.js -> router -> session queue -> agent turn -> Anthropic
 *    fake -> plugin): from the Discord fake emitting MESSAGE_CREATE to the first outbound REST call
 *    for that channel (the typing indicator), and to the reply's POST. bench/discord-latency.ts
 *    measures the plugin alone with a stand-in core; this is the whole process.
 *
 * Run: npx tsx bench/gateway-idle.ts [messages]   (needs `npm run build`)
 */
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startFakeAnthropic } from "../test/fakes/anthropic/index.js";
import { startFakeDiscord } from "../test/fakes/discord/index.js";
import { startFakeTelegram } from "../test/fakes/telegram/index.js";
import {
  assertBuilt,
  defaultProfiles,
  makeProcessHome,
  processEnv,
  spawnBaton,
  writeAuthStore,
  writeConfigFile,
} from "../test/e2e/telegram-helpers.js";
import { median, percentile, printTable } from "./lib.js";

const GUILD = "330000000000000001";
const alice = { id: "230000000000000001", username: "alice" };
/** One fresh channel per message: Discord's per-channel limit (5 writes per 5.5 s) never delays a reply. */
const channelId = (i: number) => String(330000000000001000n + BigInt(i));

export interface MemoryFigure {
  vmRssMb: number;
  vmHwmMb: number;
}

export interface GatewayIdleFigures {
  /** Spawn until both channels are connected (ms). */
  startupMs: number;
  idleMs: number;
  /** After idling. */
  idle: MemoryFigure;
  /** After the latency run. */
  afterMessages: MemoryFigure;
  messages: number;
  /** MESSAGE_CREATE -> first outbound REST call for the channel (ms). */
  firstCall: { medianMs: number; p90Ms: number };
  /** What that first call was, e.g. { "POST typing": 50 }. */
  firstCallKinds: Record<string, number>;
  /** MESSAGE_CREATE -> the reply's POST /channels/:id/messages (ms). */
  reply: { medianMs: number; p90Ms: number };
  /** How the process ended after SIGTERM. */
  exit: string;
}

/** VmRSS and VmHWM of a process, in MB (Linux). */
export function readMemory(pid: number): MemoryFigure {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return { vmRssMb: kb("VmRSS") / 1024, vmHwmMb: kb("VmHWM") / 1024 };
}

export async function gatewayIdle(options: { idleMs?: number; messages?: number; warmup?: number } = {}): Promise<GatewayIdleFigures> {
  const idleMs = options.idleMs ?? 5000;
  const messages = options.messages ?? 50;
  const warmup = options.warmup ?? 5;
  assertBuilt();
  const [telegram, discord, anthropic] = await Promise.all([startFakeTelegram(), startFakeDiscord(), startFakeAnthropic()]);
  discord.addGuild({ id: GUILD, channels: Array.from({ length: messages + warmup }, (_, i) => ({ id: channelId(i), name: `c${i}`, type: 0 })) });
  const home = makeProcessHome();
  writeAuthStore(home.authStorePath, defaultProfiles());
  writeConfigFile(home, {
    channels: {
      telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open" },
      discord: { token: discord.token, apiRoot: discord.apiRoot, guilds: { [GUILD]: { requireMention: false } } },
    },
  });

  const started = performance.now();
  const gateway = spawnBaton(["gateway"], processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url }), home.home);
  try {
    await gateway.waitForStderr("Baton gateway running", 30_000);
    await Promise.all([
      telegram.waitFor(() => telegram.pollWaiting, 30_000, "a getUpdates long poll"),
      discord.waitFor(() => discord.liveConnections === 1, 30_000),
    ]);
    const startupMs = performance.now() - started;

    await sleep(idleMs);
    const idle = readMemory(gateway.pid);

    const firstCalls: number[] = [];
    const replies: number[] = [];
    const firstCallKinds: Record<string, number> = {};
    for (let i = 0; i < messages + warmup; i++) {
      const channel = channelId(i);
      const prefix = `/channels/${channel}/`;
      const emittedAt = performance.now();
      discord.emitMessage({ channel_id: channel, guild_id: GUILD, author: alice, content: `message ${i}` });
      const first = await discord.waitFor(() => discord.requests.find((r) => r.at >= emittedAt && r.path.startsWith(prefix)), 15_000);
      const reply = await discord.waitFor(
        () => discord.requests.find((r) => r.at >= emittedAt && r.method === "POST" && r.path === `/channels/${channel}/messages`),
        15_000,
      );
      if (i < warmup) continue;
      firstCalls.push(first.at - emittedAt);
      replies.push(reply.at - emittedAt);
      const kind = `${first.method} ${first.path.slice(prefix.length)}`;
      firstCallKinds[kind] = (firstCallKinds[kind] ?? 0) + 1;
    }
    const answered = discord.messages.filter((m) => m.kind === "create" && m.content.startsWith("echo: message")).length;
    if (answered !== messages + warmup) throw new Error(`expected ${messages + warmup} replies, the fake Discord saw ${answered}`);
    const afterMessages = readMemory(gateway.pid);

    const exit = await gateway.terminate();
    return {
      startupMs,
      idleMs,
      idle,
      afterMessages,
      messages,
      firstCall: { medianMs: median(firstCalls), p90Ms: percentile(firstCalls, 90) },
      firstCallKinds,
      reply: { medianMs: median(replies), p90Ms: percentile(replies, 90) },
      exit: `${exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`} after ${exit.ms.toFixed(0)} ms`,
    };
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\ngateway stderr:\n${gateway.stderr()}`);
  } finally {
    await gateway.terminate(3000);
    await Promise.all([telegram.close(), discord.close(), anthropic.close()]);
    home.cleanup();
  }
}

export function printGatewayIdle(f: GatewayIdleFigures): void {
  const mb = (value: number) => `${value.toFixed(1)} MB`;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  printTable(
    `baton gateway, Telegram + Discord against the fakes (Node ${process.version})`,
    ["figure", "value"],
    [
      ["start-up (spawn -> both channels connected)", `${f.startupMs.toFixed(0)} ms`],
      [`idle VmRSS after ${(f.idleMs / 1000).toFixed(0)} s (target < 120 MB)`, mb(f.idle.vmRssMb)],
      ["idle VmHWM (peak so far)", mb(f.idle.vmHwmMb)],
      [`VmRSS / VmHWM after ${f.messages} messages`, `${mb(f.afterMessages.vmRssMb)} / ${mb(f.afterMessages.vmHwmMb)}`],
      ["MESSAGE_CREATE -> first REST call, median / p90", `${ms(f.firstCall.medianMs)} / ${ms(f.firstCall.p90Ms)}`],
      ["  first call was", Object.entries(f.firstCallKinds).map(([kind, n]) => `${kind} x${n}`).join(", ")],
      ["MESSAGE_CREATE -> reply POST, median / p90", `${ms(f.reply.medianMs)} / ${ms(f.reply.p90Ms)}`],
      ["SIGTERM", f.exit],
    ],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  gatewayIdle({ messages: Number(process.argv[2] ?? 50) }).then(printGatewayIdle, (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
