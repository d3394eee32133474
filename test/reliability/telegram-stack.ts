/**
 * The whole Telegram path in one process: the real Gateway (router, session queue, agent
 * runtime, auth resolver, Anthropic provider, session store) with the real Telegram plugin,
 * whose grammY bot talks to the Telegram fake and whose Anthropic SDK talks to `anthropicUrl`.
 * A fresh state dir per stack unless one is given; logs are kept in memory.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTelegramPlugin, type TelegramPluginOptions } from "../../plugins/telegram/index.js";
import type { TurnOutcome } from "../../src/agents/turn.js";
import { Gateway } from "../../src/chat/gateway.js";
import { runtimeFromConfig, type Runtime } from "../../src/config/runtime.js";
import type { BatonConfigInput } from "../../src/config/schema.js";
import { createLogger } from "../../src/util/log.js";
import type { FakeTelegram } from "../fakes/telegram/index.js";
import { writeAuthStore } from "../support/fixtures.js";

export interface TelegramStackOptions {
  telegram: FakeTelegram;
  anthropicUrl: string;
  /** auth-profiles.json `profiles`. */
  profiles: Record<string, unknown>;
  /** Merged over the stack's config (channels.telegram is merged field by field). */
  config?: BatonConfigInput;
  plugin?: Omit<TelegramPluginOptions, "accountId">;
  /** HOME for the runtime; the state dir is `<home>/.baton`. Default: a new temp dir. */
  home?: string;
}

export interface TelegramStack {
  gateway: Gateway;
  runtime: Runtime;
  home: string;
  stateDir: string;
  storePath: string;
  /** Every log line of the gateway and the plugin. */
  logs: string[];
  turns: TurnOutcome[];
  stop(): Promise<void>;
}

export async function startTelegramStack(options: TelegramStackOptions): Promise<TelegramStack> {
  const home = options.home ?? fs.mkdtempSync(path.join(os.tmpdir(), "baton-reliability-"));
  const stateDir = path.join(home, ".baton");
  const input: BatonConfigInput = {
    // open access, stated explicitly (the defaults are pairing, listed groups, owner-only commands); callers override
    commands: { allowFrom: ["*"] },
    ...options.config,
    channels: {
      ...options.config?.channels,
      telegram: { botToken: options.telegram.token, apiRoot: options.telegram.url, dmPolicy: "open", groupPolicy: "open", ...options.config?.channels?.telegram },
    },
    models: { providers: { anthropic: { baseUrl: options.anthropicUrl, timeoutMs: 15_000, ...options.config?.models?.providers?.anthropic } } },
  };
  const runtime = await runtimeFromConfig(stateDir, input, { HOME: home });
  const storePath = runtime.paths.authStorePath("main");
  if (!fs.existsSync(storePath)) writeAuthStore(storePath, options.profiles);
  const logs: string[] = [];
  const turns: TurnOutcome[] = [];
  const gateway = new Gateway({
    runtime,
    channels: ["telegram"],
    factories: { telegram: ({ accountId }) => createTelegramPlugin({ accountId, pollTimeoutSeconds: 5, ...options.plugin }) },
    onTurn: (event) => turns.push(event.outcome),
    log: createLogger({ level: "info", write: (line) => logs.push(line) }),
  });
  await gateway.start();
  let stopped: Promise<void> | undefined;
  return {
    gateway,
    runtime,
    home,
    stateDir,
    storePath,
    logs,
    turns,
    stop: () => (stopped ??= gateway.stop()),
  };
}

/** Outbound limits far above anything the suites send, for the plugin's own limiter. */
export const UNTHROTTLED: TelegramPluginOptions["limits"] = {
  perChat: { limit: 1000, intervalMs: 1000 },
  perGroup: { limit: 1000, intervalMs: 1000 },
  global: { limit: 10_000, intervalMs: 1000 },
};
