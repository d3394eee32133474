/**
 * `/metrics` scrape time (issue 13): a gateway with 1,000 stored sessions, 20 auth profiles (some
 * cooling down, some tokens with an expiry) and the counters of 1,000 turns (every profile,
 * failovers between them, token counts per type) — scraped over HTTP on 127.0.0.1 one request
 * after another, after a warm-up. Each scrape computes the profile gauges from the auth store
 * (a cached read) and the state backend's usage stats, so the figure is the whole path.
 * The status page (same data plus the session count) is timed too.
 *
 * Run: npx tsx bench/metrics-scrape.ts [scrapes]
 */
import os from "node:os";
import { Gateway } from "../src/chat/gateway.js";
import { startHttpSurface } from "../src/http/surface.js";
import { writeAuthStore } from "../test/support/fixtures.js";
import { createBenchRuntime, formatMs, isMain } from "./helpers.js";
import { median, percentile, printTable } from "./lib.js";

export interface MetricsScrapeFigures {
  scrapes: number;
  sessions: number;
  profiles: number;
  series: number;
  bytes: number;
  metrics: { p50Ms: number; p99Ms: number };
  /** In-process `registry.metrics()` with the scrape-time gauges, no HTTP. */
  render: { p50Ms: number; p99Ms: number };
  /** The HTTP round trip alone: `/healthz`. */
  healthz: { p50Ms: number; p99Ms: number };
  page: { p50Ms: number; p99Ms: number };
}

const SESSIONS = 1_000;
const PROFILES = 20;
const PAGE_TOKEN = "bench-page-token";
const MODEL = "claude-opus-4-5";
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

const key = (i: number) => `sk-ant-api03-${String(i).padStart(2, "0").repeat(40)}BNCH`;

export async function metricsScrape(scrapes = 300): Promise<MetricsScrapeFigures> {
  const bench = await createBenchRuntime();
  const { runtime } = bench;
  const now = Date.now();
  const profiles: Record<string, unknown> = {};
  const usageStats: Record<string, unknown> = {};
  for (let i = 0; i < PROFILES; i++) {
    const id = `anthropic:p${i}`;
    profiles[id] = i % 5 === 4 ? { type: "token", provider: "anthropic", token: key(i).replace("api03", "oat01"), expires: now + (i + 1) * 3_600_000 } : { type: "api_key", provider: "anthropic", key: key(i) };
    usageStats[id] = {
      lastUsed: now - i * 1000,
      errorCount: i % 3,
      failureCounts: i % 3 ? { rate_limit: 1 } : {},
      cooldownUntil: i % 4 === 1 ? now + 600_000 : 0,
      disabledUntil: 0,
      disabledReason: null,
      modelCooldowns: i % 4 === 2 ? { [MODEL]: { until: now + 60_000, count: 1, reason: "rate_limit", lastFailureAt: now } } : {},
    };
  }
  writeAuthStore(runtime.paths.authStorePath("main"), profiles, { usageStats, order: { anthropic: Object.keys(profiles) } });

  const gateway = new Gateway({ runtime, channels: [], log: quiet });
  const sessions = gateway.agents.sessions("main");
  for (let i = 0; i < SESSIONS; i++) {
    await sessions.recordTurn(`bench:dm:${i}`, { text: `question ${i}`, reply: `answer ${i}`, usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 }, at: now });
  }
  const surface = await startHttpSurface({ gateway, host: "127.0.0.1", port: 0, token: PAGE_TOKEN, log: quiet });
  // the counters of 1,000 turns spread over every profile, with failovers between neighbours
  for (let i = 0; i < SESSIONS; i++) {
    const profileId = `anthropic:p${i % PROFILES}`;
    const next = `anthropic:p${(i + 1) % PROFILES}`;
    gateway.agents.events.emit({ type: "provider_request", agentId: "main", provider: "anthropic", profileId, model: MODEL, result: i % 7 ? "ok" : "rate_limit", durationMs: 900 });
    if (i % 7 === 0) gateway.agents.events.emit({ type: "failover", agentId: "main", fromProfile: profileId, toProfile: next, model: MODEL });
    gateway.agents.events.emit({
      type: "turn",
      agentId: "main",
      sessionKey: `bench:dm:${i}`,
      sender: `bench:${i}`,
      model: `anthropic/${MODEL}`,
      profileId: i % 7 ? profileId : next,
      outcome: "ok",
      durationMs: 1000 + (i % 50) * 100,
      usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 50, cacheWriteTokens: 10 },
    });
  }

  const time = async (path: string, headers: Record<string, string> = {}) => {
    const start = performance.now();
    const res = await fetch(`${surface.url}${path}`, { headers });
    const body = await res.text();
    const ms = performance.now() - start;
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    return { ms, body };
  };
  try {
    for (let i = 0; i < 30; i++) await time("/metrics");
    const metricTimes: number[] = [];
    let body = "";
    for (let i = 0; i < scrapes; i++) {
      const result = await time("/metrics");
      metricTimes.push(result.ms);
      body = result.body;
    }
    const healthTimes: number[] = [];
    for (let i = 0; i < scrapes; i++) healthTimes.push((await time("/healthz")).ms);
    // the same scrape without HTTP: prom-client's registry with the profile gauges computed from the stores
    const renderTimes: number[] = [];
    for (let i = 0; i < scrapes; i++) {
      const start = performance.now();
      await surface.metrics.render();
      renderTimes.push(performance.now() - start);
    }
    const auth = { authorization: `Bearer ${PAGE_TOKEN}` };
    for (let i = 0; i < 10; i++) await time("/", auth);
    const pageTimes: number[] = [];
    for (let i = 0; i < Math.max(50, Math.floor(scrapes / 3)); i++) pageTimes.push((await time("/", auth)).ms);
    if (!body.includes('baton_auth_profile_usable{agent="main",profile="anthropic:p19"}')) throw new Error("the scrape lacks the 20th profile");
    if (!(await time("/", auth)).body.includes(`<td>${SESSIONS.toLocaleString("en-US").replace(",", "")}</td>`)) throw new Error(`the page does not count ${SESSIONS} sessions`);
    return {
      scrapes,
      sessions: SESSIONS,
      profiles: PROFILES,
      series: body.split("\n").filter((line) => line && !line.startsWith("#")).length,
      bytes: Buffer.byteLength(body),
      metrics: { p50Ms: median(metricTimes), p99Ms: percentile(metricTimes, 99) },
      render: { p50Ms: median(renderTimes), p99Ms: percentile(renderTimes, 99) },
      healthz: { p50Ms: median(healthTimes), p99Ms: percentile(healthTimes, 99) },
      page: { p50Ms: median(pageTimes), p99Ms: percentile(pageTimes, 99) },
    };
  } finally {
    await surface.stop();
    await gateway.stop();
    bench.cleanup();
  }
}

if (isMain(import.meta.url)) {
  const scrapes = Number(process.argv[2] ?? 300);
  const f = await metricsScrape(scrapes);
  printTable(`/metrics scrape (${f.sessions} sessions, ${f.profiles} profiles, ${f.scrapes} scrapes; ${os.cpus().length} CPUs)`, ["figure", "value"], [
    ["/metrics p50 / p99 (target p50 < 20 ms)", `${formatMs(f.metrics.p50Ms)} / ${formatMs(f.metrics.p99Ms)} ms`],
    ["in-process render p50 / p99 (no HTTP)", `${formatMs(f.render.p50Ms)} / ${formatMs(f.render.p99Ms)} ms`],
    ["/healthz p50 / p99 (HTTP round trip alone)", `${formatMs(f.healthz.p50Ms)} / ${formatMs(f.healthz.p99Ms)} ms`],
    ["samples / bytes per scrape", `${f.series} / ${f.bytes}`],
    ["status page p50 / p99", `${formatMs(f.page.p50Ms)} / ${formatMs(f.page.p99Ms)} ms`],
  ]);
}
