/**
 * The whole Telegram stack for end-to-end tests and benchmarks: the real Gateway (router,
 * agent runtime, auth resolver, Anthropic provider, session store) with the real Telegram
 * plugin, whose grammY bot talks to the fake Bot API, and whose Anthropic SDK talks to the
 * fake Anthropic; and the same gateway as a real `bin/baton gateway` process. Only loopback
 * sockets; a fresh state dir per stack.
 *
 * No vitest import here: bench/ scripts use these helpers too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createTelegramPlugin } from "../../plugins/telegram/index.js";
import type { TurnOutcome } from "../../src/agents/turn.js";
import { Gateway } from "../../src/chat/gateway.js";
import { resolvePaths } from "../../src/config/paths.js";
import { runtimeFromConfig } from "../../src/config/runtime.js";
import type { BatonConfigInput } from "../../src/config/schema.js";
import { createLogger } from "../../src/util/log.js";
import type { FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram, type FakeTelegramOptions, type SentRecord } from "../fakes/telegram/index.js";
import { defaultProfiles, writeAuthStore } from "../support/fixtures.js";
import { TEST_PACE } from "../support/telegram-pace.js";
import { waitFor } from "../support/wait.js";

export { defaultProfiles, KEY_A, KEY_B, writeAuthStore } from "../support/fixtures.js";

/** The fake's bot is @BatonTestBot. */
export const BOT_USERNAME = "BatonTestBot";

export const alice = { id: 5_000_001, first_name: "Alice", username: "alice" };
export const bob = { id: 5_000_002, first_name: "Bob", username: "bob" };

/** A supergroup (mentions required, the default). */
export const GROUP = { id: -1_001_000_000_001, type: "supergroup" as const, title: "Team" };
/** A forum supergroup; TOPIC is one of its topics (message_thread_id). */
export const FORUM = { id: -1_001_000_000_002, type: "supergroup" as const, title: "Forum", is_forum: true };
export const TOPIC = 42;

export interface StackOptions {
  /** Merged into the config; `channels.telegram` is merged with the token and apiRoot of the fake. */
  config?: BatonConfigInput;
  /** auth-profiles.json profiles; default: anthropic:a (KEY_A) and anthropic:b (KEY_B). */
  profiles?: Record<string, unknown>;
  /** Options of this stack's Telegram fake; its `limits` go over the pace's. */
  telegram?: FakeTelegramOptions;
  /** Flood limits of the plugin and the fake alike: {@link TEST_PACE} (default), or Telegram's own (benchmarks). */
  pace?: "test" | "telegram";
}

export interface Stack {
  telegram: FakeTelegram;
  anthropic: FakeAnthropic;
  gateway: Gateway;
  stateDir: string;
  /** Every finished agent turn. */
  turns: TurnOutcome[];
  /** Log lines of the gateway and the plugin (for failure messages and leak checks). */
  logs: string[];
  /**
   * Stops the gateway as SIGTERM does (runs in flight abandoned) and starts a new one on the same
   * state dir and Telegram fake, as a restarted process would; `gateway` is the new one after it.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the real Gateway with the real Telegram plugin; resolves once it is polling.
 *
 * Each stack gets its own Telegram fake: like Telegram, the fake re-delivers updates whose
 * offset was never confirmed, and a fresh state dir has no stored offset, so a shared fake
 * would hand the previous stack's last batch to the next one.
 */
export async function startStack(anthropic: FakeAnthropic, options: StackOptions = {}): Promise<Stack> {
  const realPace = options.pace === "telegram";
  const telegram = await startFakeTelegram({ ...options.telegram, limits: { ...(realPace ? {} : TEST_PACE.fake), ...options.telegram?.limits } });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-e2e-telegram-"));
  const paths = resolvePaths({ BATON_STATE_DIR: stateDir, HOME: stateDir });
  writeAuthStore(paths.authStorePath("main"), options.profiles ?? defaultProfiles());
  const input: BatonConfigInput = {
    // open access, stated explicitly (the defaults are pairing, listed groups, owner-only commands); callers override
    commands: { allowFrom: ["*"] },
    ...options.config,
    channels: {
      ...options.config?.channels,
      telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open", groupPolicy: "open", ...options.config?.channels?.telegram },
    },
    models: { providers: { anthropic: { baseUrl: anthropic.url } } },
  };
  const turns: TurnOutcome[] = [];
  const logs: string[] = [];
  const launch = async (): Promise<Gateway> => {
    const runtime = await runtimeFromConfig(stateDir, input);
    const gateway = new Gateway({
      runtime,
      channels: ["telegram"],
      factories: { telegram: (plugin) => createTelegramPlugin({ ...plugin, ...(realPace ? {} : { limits: TEST_PACE.plugin }) }) },
      onTurn: (event) => turns.push(event.outcome),
      log: createLogger({ level: "debug", write: (line) => logs.push(line) }),
    });
    await gateway.start();
    return gateway;
  };
  let gateway: Gateway;
  try {
    gateway = await launch();
  } catch (err) {
    await telegram.close();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    telegram,
    anthropic,
    get gateway() {
      return gateway;
    },
    stateDir,
    turns,
    logs,
    async restart() {
      await gateway.stop();
      gateway = await launch();
    },
    stop() {
      stopped ??= gateway
        .stop()
        .then(() => telegram.close())
        .finally(() => fs.rmSync(stateDir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

// ---- what the bot sent -------------------------------------------------------------------

/** A message the bot wrote, as it stands after every send and edit recorded for it. */
export interface BotMessage {
  chatId: number;
  messageId: number;
  threadId?: number;
  /** Text as users see it (entities parsed). */
  text: string;
  /** The latest record (the send, or the last edit). */
  last: SentRecord;
  /** Every record of this message, the send first. */
  records: SentRecord[];
}

/** The bot's messages in one chat (every chat when omitted), in order of sending, each in its latest state. */
export function botMessages(fake: FakeTelegram, chatId?: number): BotMessage[] {
  const byKey = new Map<string, BotMessage>();
  for (const record of fake.sent) {
    if (chatId !== undefined && record.chat_id !== chatId) continue;
    const key = `${record.chat_id}:${record.message_id}`;
    const message = byKey.get(key) ?? { chatId: record.chat_id, messageId: record.message_id, threadId: record.message_thread_id, text: "", last: record, records: [] };
    message.text = record.plain_text;
    message.last = record;
    message.records.push(record);
    byKey.set(key, message);
  }
  return [...byKey.values()];
}

/** Texts of the bot's messages in a chat, in order. */
export function botTexts(fake: FakeTelegram, chatId: number): string[] {
  return botMessages(fake, chatId).map((m) => m.text);
}

/** Waits until a bot message in `chatId` reads exactly `text` (a streamed reply counts once its edits reach it). */
export function waitForBotText(fake: FakeTelegram, chatId: number, text: string, timeoutMs = 15_000): Promise<BotMessage> {
  return fake.waitFor(() => botMessages(fake, chatId).find((m) => m.text === text), timeoutMs, `a bot message ${JSON.stringify(text)} in chat ${chatId}`);
}

/** Waits until a bot message in `chatId` matches `predicate`. */
export function waitForBotMessage(fake: FakeTelegram, chatId: number, predicate: (m: BotMessage) => boolean, timeoutMs = 15_000): Promise<BotMessage> {
  return fake.waitFor(() => botMessages(fake, chatId).find(predicate), timeoutMs, `a bot message in chat ${chatId} matching ${predicate.toString()}`);
}

export { lastUserImages, lastUserText, requestModel, requestRoles } from "../fakes/anthropic/index.js";

// ---- `bin/baton gateway` as a process ----------------------------------------------------

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(REPO_ROOT, "bin", "baton");

/** A throw-away HOME with the state dir at `<home>/.baton`. */
export interface ProcessHome {
  home: string;
  stateDir: string;
  configPath: string;
  authStorePath: string;
  cleanup(): void;
}

export function makeProcessHome(): ProcessHome {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "baton-e2e-process-"));
  const stateDir = path.join(home, ".baton");
  fs.mkdirSync(stateDir, { mode: 0o700 });
  return {
    home,
    stateDir,
    configPath: path.join(stateDir, "baton.json5"),
    authStorePath: path.join(stateDir, "agents", "main", "agent", "auth-profiles.json"),
    cleanup: () => fs.rmSync(home, { recursive: true, force: true }),
  };
}

/** Writes `<state>/baton.json5`, as a user would (JSON5 with a comment). */
export function writeConfigFile(home: ProcessHome, config: BatonConfigInput): void {
  fs.writeFileSync(home.configPath, `// written by the e2e suite\n${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/** Only PATH, HOME, BATON_STATE_DIR and NO_COLOR from us, plus `env`: nothing leaks in from the parent. */
export function processEnv(home: ProcessHome, env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home.home, BATON_STATE_DIR: home.stateDir, NO_COLOR: "1", ...env };
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<ProcessExit>;
  /** Resolves once stderr contains `text`; rejects when the process exits first or after `timeoutMs`. */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and resolves with the exit and the milliseconds it took; SIGKILLs after `killAfterMs`. */
  terminate(killAfterMs?: number): Promise<ProcessExit & { ms: number }>;
}

/** Spawns `bin/baton <args>` (the built dist/) and keeps its output. */
export function spawnBaton(args: string[], env: Record<string, string>, cwd: string): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const changes = new EventEmitter();
  const changed = () => changes.emit("change");
  child.stdout!.on("data", (chunk: Buffer) => {
    out.push(chunk);
    changed();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    err.push(chunk);
    changed();
  });
  let done: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      done = { code, signal };
      changed();
      resolve(done);
    });
  });
  const stdout = () => Buffer.concat(out).toString("utf8");
  const stderr = () => Buffer.concat(err).toString("utf8");
  return {
    child,
    pid: child.pid!,
    stdout,
    stderr,
    exited,
    waitForStderr(text, timeoutMs = 20_000) {
      const printed = () => {
        if (stderr().includes(text)) return true;
        if (done) throw new Error(`baton ${args.join(" ")} exited (${done.code ?? done.signal}) before printing ${JSON.stringify(text)}:\n${stderr()}`);
        return false;
      };
      return waitFor(printed, { changes, timeoutMs, what: `${JSON.stringify(text)} on stderr`, detail: stderr }).then(() => undefined);
    },
    async terminate(killAfterMs = 10_000) {
      const started = performance.now();
      if (!done) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      const exit = await exited;
      clearTimeout(killer);
      return { ...exit, ms: performance.now() - started };
    },
  };
}

/** Runs `bin/baton <args>` to completion. */
export async function runBatonOnce(args: string[], env: Record<string, string>, cwd: string): Promise<ProcessExit & { stdout: string; stderr: string }> {
  const run = spawnBaton(args, env, cwd);
  const exit = await run.exited;
  return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
}

/** Fails early with a clear message when `dist/` has not been built. */
export function assertBuilt(): void {
  for (const file of [path.join(REPO_ROOT, "dist", "cli", "main.js"), path.join(REPO_ROOT, "dist", "plugins", "telegram", "index.js")]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before this suite`);
  }
}
