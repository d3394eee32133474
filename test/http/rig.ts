/**
 * A running gateway with its HTTP surface for the endpoint tests: the real config loader and
 * plugin loader bring up the loopback example channel (test/fixtures/plugins/loopback), the real
 * router, resolver and Anthropic provider talk to the Anthropic fake.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Gateway } from "../../src/chat/gateway.js";
import { runtimeFromConfig } from "../../src/config/runtime.js";
import type { BatonConfigInput } from "../../src/config/schema.js";
import { startHttpSurface, type HttpSurface } from "../../src/http/surface.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { defaultProfiles, writeAuthStore } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "plugins");
export const PAGE_TOKEN = "status-page-token-0123456789abcdef";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };

/** Makes the loopback fixture loadable by id for this test file (vitest runs each e2e file in its own process). */
export function useLoopbackPlugin(): () => void {
  const previous = process.env.BATON_PLUGIN_PATH;
  process.env.BATON_PLUGIN_PATH = FIXTURES;
  return () => {
    if (previous === undefined) delete process.env.BATON_PLUGIN_PATH;
    else process.env.BATON_PLUGIN_PATH = previous;
  };
}

export interface RigOptions {
  /** Stored profiles (default: anthropic:a, anthropic:b). */
  profiles?: Record<string, unknown>;
  /** Extra top-level fields of auth-profiles.json (usageStats, order). */
  store?: Record<string, unknown>;
  /** `channels.loopback` fields beside `enabled: true`; `false`: no channel. */
  loopback?: Record<string, unknown> | false;
  config?: BatonConfigInput;
  env?: Record<string, string>;
  token?: string | null;
}

export interface Rig {
  fake: FakeAnthropic;
  gateway: Gateway;
  surface: HttpSurface;
  stateDir: string;
  storePath: string;
  get(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  /** Sends a chat message through the loopback channel and waits for its reply. */
  say(text: string, sender?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const fake = await startFakeAnthropic();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-http-"));
  const runtime = await runtimeFromConfig(
    stateDir,
    {
      ...options.config,
      channels: options.loopback === false ? {} : { loopback: { enabled: true, dmPolicy: "open", ...options.loopback } },
      models: { ...options.config?.models, providers: { anthropic: { baseUrl: fake.url } } },
    },
    options.env,
  );
  const storePath = runtime.paths.authStorePath("main");
  writeAuthStore(storePath, options.profiles ?? defaultProfiles(), options.store);
  const gateway = new Gateway({ runtime, log: quiet, ...(options.loopback === false ? { channels: [] } : {}) });
  const surface = await startHttpSurface({ gateway, host: "127.0.0.1", port: 0, log: quiet, ...(options.token === null ? {} : { token: options.token ?? PAGE_TOKEN }) });
  await gateway.start();

  const endpoint = () => JSON.parse(fs.readFileSync(path.join(stateDir, "channels", "loopback", "endpoint.json"), "utf8")) as { port: number };
  let replies = 0;
  return {
    fake,
    gateway,
    surface,
    stateDir,
    storePath,
    get: (pathAndQuery, init) => fetch(`${surface.url}${pathAndQuery}`, init),
    async say(text, sender = "alice") {
      const base = `http://127.0.0.1:${endpoint().port}`;
      const posted = await fetch(`${base}/messages`, { method: "POST", body: JSON.stringify({ chatId: `chat-${sender}`, senderId: sender, text }) });
      if (posted.status !== 202) throw new Error(`loopback answered ${posted.status}`);
      const reply = await waitFor(
        async () => {
          const all = (await (await fetch(`${base}/replies`)).json()) as { text: string }[];
          return all.length > replies && all[all.length - 1];
        },
        { timeoutMs: 20_000, what: `the reply to "${text}"` },
      );
      replies += 1;
      return reply.text;
    },
    async close() {
      await gateway.stop();
      await surface.stop();
      await fake.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Prometheus text → samples (`name`, labels, value); comments skipped. */
export function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function sample(samples: ReturnType<typeof parseMetrics>, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
