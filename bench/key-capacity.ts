/**
 * Key capacity (issue 17): how much of several keys' combined rate limit a burst can use.
 * Three API keys, each limited by the Anthropic fake to R requests per window (a fixed window
 * that starts with the key's first request; R = 20 per 3 s keeps the run short). A burst of 3R
 * turns, each in its own session, goes at once through the real AgentRuntime, credential resolver
 * and Anthropic provider (SDK over loopback HTTP). Printed per run: requests answered that started
 * within the first window (the fake admits a request when it arrives), 429s the fake sent (from the provider-request events), failovers, and the share
 * of the combined capacity (3R) used within the window. The same burst runs twice: reading the
 * rate-limit headers (the default) and with `models.providers.anthropic.rateLimitHeaders: false`
 * (only 429s and their retry-after steer routing).
 *
 * Run: npx tsx bench/key-capacity.ts [R] [windowMs]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AgentRuntime } from "../src/agents/runtime.js";
import { resolvePaths } from "../src/config/paths.js";
import { runtimeFromConfig } from "../src/config/runtime.js";
import { startFakeAnthropic } from "../test/fakes/anthropic/index.js";
import { KEY_A, KEY_B, KEY_C, writeAuthStore } from "../test/support/fixtures.js";
import { isMain } from "./helpers.js";
import { printTable } from "./lib.js";

const PROFILES = { "anthropic:a": KEY_A, "anthropic:b": KEY_B, "anthropic:c": KEY_C } as const;

export interface KeyCapacityFigures {
  variant: "headers" | "no-headers";
  turns: number;
  capacity: number;
  /** Requests answered that started before the first window ended. */
  servedInWindow: number;
  /** Turns answered at all (some after the window, with headers off). */
  served: number;
  rateLimited429: number;
  failovers: number;
  /** Requests the fake received per profile (in order a, b, c), 429s included. */
  perProfile: number[];
  /** servedInWindow / capacity. */
  shareOfCapacity: number;
  elapsedMs: number;
}

async function burst(variant: KeyCapacityFigures["variant"], perKey: number, windowMs: number): Promise<KeyCapacityFigures> {
  const fake = await startFakeAnthropic({ rateLimits: { requests: perKey, windowMs } });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-bench-keys-"));
  try {
    const paths = resolvePaths({ BATON_STATE_DIR: stateDir, HOME: stateDir });
    writeAuthStore(
      paths.authStorePath("main"),
      Object.fromEntries(Object.entries(PROFILES).map(([id, key]) => [id, { type: "api_key", provider: "anthropic", key }])),
      { order: { anthropic: Object.keys(PROFILES) } },
    );
    const runtime = await runtimeFromConfig(stateDir, {
      models: { providers: { anthropic: { baseUrl: fake.url, rateLimitHeaders: variant === "headers" } } },
    });
    const agents = new AgentRuntime(runtime);
    let rateLimited429 = 0;
    let failovers = 0;
    /** When each answered request started, ms after the burst began. */
    const answeredAt: number[] = [];
    let burstStart = Date.now();
    agents.events.on((event) => {
      if (event.type === "provider_request" && event.result === "rate_limit") rateLimited429 += 1;
      if (event.type === "provider_request" && event.result === "ok") answeredAt.push(Date.now() - event.durationMs - burstStart);
      if (event.type === "failover") failovers += 1;
    });
    // one untimed turn would warm the SDK import, but it would also spend a request: the burst starts cold
    await agents.resolver("main");
    await agents.provider("anthropic");

    const turns = 3 * perKey;
    burstStart = Date.now();
    const finished = await Promise.all(
      Array.from({ length: turns }, async (_, i) => (await agents.runTurn({ agentId: "main", sessionKey: `bench:keys:${i}`, text: `question ${i}` })).ok),
    );
    const elapsedMs = Date.now() - burstStart;
    await agents.close();
    const answered = fake.requests.filter((r) => r.path === "/v1/messages");
    // each key's window starts with its first request, so a request that started within windowMs of the burst is inside it
    const servedInWindow = answeredAt.filter((at) => at < windowMs).length;
    const perProfile = Object.values(PROFILES).map((key) => answered.filter((r) => r.credential === key).length);
    return {
      variant,
      turns,
      capacity: turns,
      servedInWindow,
      served: finished.filter(Boolean).length,
      rateLimited429,
      failovers,
      perProfile,
      shareOfCapacity: servedInWindow / turns,
      elapsedMs,
    };
  } finally {
    await fake.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

export async function keyCapacity(perKey = 20, windowMs = 3_000): Promise<KeyCapacityFigures[]> {
  const figures = [await burst("headers", perKey, windowMs), await burst("no-headers", perKey, windowMs)];
  printTable(
    `Key capacity: 3 keys × ${perKey} requests per ${windowMs / 1000} s window, a burst of ${3 * perKey} turns (target: ≥ 95 % within the window, 0 × 429)`,
    ["rate-limit headers", "served in window", "served", "429s", "failovers", "requests a / b / c", "share of capacity", "elapsed"],
    figures.map((f) => [
      f.variant === "headers" ? "read (default)" : "off",
      `${f.servedInWindow} / ${f.capacity}`,
      f.served,
      f.rateLimited429,
      f.failovers,
      f.perProfile.join(" / "),
      `${(f.shareOfCapacity * 100).toFixed(1)} %`,
      `${(f.elapsedMs / 1000).toFixed(2)} s`,
    ]),
  );
  return figures;
}

if (isMain(import.meta.url)) {
  await keyCapacity(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 3_000));
}
