/**
 * Several gateways on one Redis (DESIGN.md §13), measured on a real redis-server started here:
 *   cooldown visibility: a failure recorded by gateway A, seen in gateway B's in-memory usage
 *     snapshot (what B's resolver decides on) — time from A's write returning to B seeing it;
 *   Telegram failover: two `bin/baton gateway` processes against the Telegram and Anthropic
 *     fakes; the holder is SIGKILLed, a message is sent at once, and the time until it is
 *     answered is taken (lease expiry + takeover + journal replay + one turn), default lease TTL.
 * Needs `npm run build` (the failover part runs bin/baton).
 *
 * Run: npx tsx bench/redis-cluster.ts [visibility-samples] [failovers]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolvePaths } from "../src/config/paths.js";
import { BatonConfig } from "../src/config/schema.js";
import { openStateBackend } from "../src/state/backend.js";
import { startFakeAnthropic } from "../test/fakes/anthropic/index.js";
import { startFakeTelegram } from "../test/fakes/telegram/index.js";
import { defaultProfiles, makeProcessHome, processEnv, spawnBaton, waitForBotText, writeAuthStore, writeConfigFile, type CliProcess } from "../test/e2e/telegram-helpers.js";
import { startRedis, type TestRedis } from "../test/support/redis.js";
import { waitFor } from "../test/support/wait.js";
import { BENCH_API_KEY, isMain } from "./helpers.js";
import { median, percentile, printTable } from "./lib.js";

export interface RedisClusterFigures {
  visibility: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  failover: { runs: number; leaseTtlMs: number; p50Ms: number; maxMs: number };
}

async function cooldownVisibility(redis: TestRedis, samples: number): Promise<RedisClusterFigures["visibility"]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-bench-redis-"));
  writeAuthStore(resolvePaths({ BATON_STATE_DIR: dir, HOME: dir }).authStorePath("main"), { "anthropic:a": { type: "api_key", provider: "anthropic", key: BENCH_API_KEY } });
  const config = BatonConfig.parse({ state: { backend: "redis", redis: { url: redis.url, keyPrefix: "bench:" } } });
  const paths = resolvePaths({ BATON_STATE_DIR: dir, HOME: dir });
  const a = openStateBackend(config, paths);
  const b = openStateBackend(config, paths);
  const usageA = a.authUsage("main");
  const usageB = b.authUsage("main");
  await usageB.snapshot();
  const times: number[] = [];
  try {
    for (let i = 1; i <= samples; i++) {
      await usageA.update("anthropic:a", (s) => ({ ...s, cooldownUntil: i }));
      const start = performance.now();
      // B's resolver reads this snapshot before every pick: no round trip, so polling it is what a turn sees
      for (;;) {
        if ((await usageB.snapshot())["anthropic:a"]?.cooldownUntil === i) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      times.push(performance.now() - start);
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { samples, p50Ms: median(times), p99Ms: percentile(times, 99), maxMs: Math.max(...times) };
}

async function telegramFailover(redis: TestRedis, runs: number): Promise<RedisClusterFigures["failover"]> {
  const anthropic = await startFakeAnthropic();
  const telegram = await startFakeTelegram();
  const home = makeProcessHome();
  const leaseTtlMs = 5000;
  writeAuthStore(home.authStorePath, defaultProfiles());
  writeConfigFile(home, {
    state: { backend: "redis", redis: { url: redis.url, keyPrefix: "bench-failover:" } },
    channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open" } },
  });
  const running: CliProcess[] = [];
  const start = async () => {
    const proc = spawnBaton(["gateway"], processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url }), home.home);
    running.push(proc);
    await proc.waitForStderr("Baton gateway running");
  };
  const holds = (proc: CliProcess) => {
    const err = proc.stderr();
    return Math.max(err.lastIndexOf("telegram: up"), err.lastIndexOf("channel lease acquired")) >= 0 && proc.child.exitCode === null;
  };
  const user = { id: 7_300_001, first_name: "Bench", username: "bench" };
  const times: number[] = [];
  try {
    await start();
    await start();
    for (let run = 0; run < runs; run++) {
      const holder = await waitFor(() => running.find(holds), { what: "a holder", timeoutMs: 30_000 });
      holder.child.kill("SIGKILL");
      await holder.exited;
      running.splice(running.indexOf(holder), 1);
      const killedAt = performance.now();
      telegram.pushUserMessage({ from: user, text: `after kill ${run}` });
      await waitForBotText(telegram, user.id, `echo: after kill ${run}`, 60_000);
      times.push(performance.now() - killedAt);
      await start();
    }
  } finally {
    await Promise.all(running.map((proc) => proc.terminate(3000)));
    await Promise.all([telegram.close(), anthropic.close()]);
    home.cleanup();
  }
  return { runs, leaseTtlMs, p50Ms: median(times), maxMs: Math.max(...times) };
}

export async function redisCluster(visibilitySamples = 500, failovers = 3): Promise<RedisClusterFigures> {
  const redis = await startRedis();
  try {
    const visibility = await cooldownVisibility(redis, visibilitySamples);
    const failover = await telegramFailover(redis, failovers);
    printTable(
      `Several gateways on one Redis (${visibilitySamples} cooldown writes A→B; ${failovers} SIGKILLs of the Telegram holder, lease TTL ${failover.leaseTtlMs} ms)`,
      ["figure", "p50", "p99 / max"],
      [
        ["cooldown visible in B's snapshot", `${visibility.p50Ms.toFixed(2)} ms`, `${visibility.p99Ms.toFixed(2)} ms / ${visibility.maxMs.toFixed(2)} ms`],
        ["SIGKILL → message answered by the standby", `${(failover.p50Ms / 1000).toFixed(2)} s`, `max ${(failover.maxMs / 1000).toFixed(2)} s`],
      ],
    );
    return { visibility, failover };
  } finally {
    await redis.stop();
  }
}

if (isMain(import.meta.url)) {
  const [samples, failovers] = process.argv.slice(2).map(Number);
  await redisCluster(samples || undefined, failovers || undefined);
}
