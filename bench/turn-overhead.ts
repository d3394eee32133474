/**
 * Turn overhead (issue 4): what Baton's turn path adds over a direct SDK call. Both paths
 * stream the same request (model, max_tokens, system prompt, one user message, beta header)
 * from the Anthropic fake on 127.0.0.1:
 *   direct: `client.messages.create({ stream: true })` on one reused SDK client;
 *   baton:  `AgentRuntime.runTurn` (credential resolver + provider + session write).
 * The two alternate turn by turn (ABBA order) after a warm-up. The session is reset (untimed)
 * before every Baton turn, so history never grows and both send byte-identical conversations.
 * Baton's time is also split into its phases, measured on the same turns. Usage recording is on,
 * as in the gateway (each turn's tokens and cost into the recorder, written to
 * `<state>/usage/` by its 1 s background flush); `--usage=off` drops the recording to compare.
 * `--provider=openrouter` runs the same against the OpenRouter fake: the direct path is the
 * `openai` SDK's `chat.completions.create({ stream: true })` with the body and headers Baton
 * sends, Baton's turn goes through the OpenRouter provider for `openrouter/anthropic/claude-opus-4.5`.
 * `--state=redis` keeps Baton's state in a redis-server started here on loopback (sessions,
 * auth usage, the session run lease: what several gateways share) instead of the state dir.
 *
 * Run: npx tsx bench/turn-overhead.ts [turns] [--usage=off] [--provider=anthropic|openrouter] [--state=file|redis]
 */
import os from "node:os";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { DEFAULT_SYSTEM_PROMPT } from "../src/agents/agents.js";
import { AgentRuntime } from "../src/agents/runtime.js";
import type { CredentialResolver } from "../src/auth/resolver.js";
import { DEFAULT_MODEL } from "../src/config/schema.js";
import type { Provider } from "../src/providers/types.js";
import type { SessionService } from "../src/sessions/service.js";
import { ATTRIBUTION_HEADERS } from "../src/providers/openrouter/headers.js";
import { buildChatParams } from "../src/providers/openrouter/params.js";
import { startFakeAnthropic } from "../test/fakes/anthropic/index.js";
import { startFakeOpenRouter } from "../test/fakes/openrouter/index.js";
import { writeAuthStore } from "../test/support/fixtures.js";
import { startRedis, type TestRedis } from "../test/support/redis.js";
import { BENCH_API_KEY, BENCH_PROFILE_ID, createBenchRuntime, formatMs, isMain } from "./helpers.js";
import { median, percentile, printTable } from "./lib.js";

const PROMPT = "What is 2 + 2?";
const SESSION = "bench:turn-overhead";
const MODEL = DEFAULT_MODEL.slice(DEFAULT_MODEL.indexOf("/") + 1);
/** What Baton sends with an API key (src/providers/anthropic/headers.ts `baseBetas`). */
const API_KEY_BETAS = "extended-cache-ttl-2025-04-11";
const OPENROUTER_MODEL = "openrouter/anthropic/claude-opus-4.5";
const OPENROUTER_KEY = `sk-or-v1-${"0123456789abcdef".repeat(4)}`;

export type BenchProvider = "anthropic" | "openrouter";

/** The fake a run streams from, and the direct SDK call Baton's turn is compared with. */
interface Target {
  label: string;
  directLabel: string;
  direct(maxTokens: number): Promise<string>;
  reset(): void;
  close(): Promise<void>;
}

async function anthropicTarget(): Promise<Target & { url: string }> {
  const fake = await startFakeAnthropic();
  const client = new Anthropic({ apiKey: BENCH_API_KEY, authToken: null, baseURL: fake.url, maxRetries: 0 });
  return {
    label: "the Anthropic fake",
    directLabel: "direct SDK messages.create(stream)",
    url: fake.url,
    async direct(maxTokens) {
      const stream = await client.messages.create(
        { model: MODEL, max_tokens: maxTokens, system: DEFAULT_SYSTEM_PROMPT, messages: [{ role: "user", content: PROMPT }], stream: true },
        { headers: { "anthropic-beta": API_KEY_BETAS } },
      );
      let text = "";
      for await (const event of stream) {
        if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
      }
      return text;
    },
    reset: () => fake.reset(),
    close: () => fake.close(),
  };
}

async function openRouterTarget(): Promise<Target & { url: string }> {
  const fake = await startFakeOpenRouter();
  const client = new OpenAI({ apiKey: OPENROUTER_KEY, baseURL: fake.url, maxRetries: 0, logLevel: "off", defaultHeaders: { ...ATTRIBUTION_HEADERS } });
  const model = OPENROUTER_MODEL.slice(OPENROUTER_MODEL.indexOf("/") + 1);
  return {
    label: "the OpenRouter fake",
    directLabel: "direct openai SDK chat.completions.create(stream)",
    url: fake.url,
    async direct(maxTokens) {
      // byte for byte the body Baton's provider builds
      const params = buildChatParams({ model, maxTokens, system: DEFAULT_SYSTEM_PROMPT, messages: [{ role: "user", content: PROMPT }] });
      const stream = await client.chat.completions.create(params);
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      return text;
    },
    reset: () => fake.reset(),
    close: () => fake.close(),
  };
}

type Phase = "resolve" | "provider" | "reportSuccess" | "sessionWrite" | "usageRecord";

/** The real agent runtime, with each phase of a turn timed (the wrappers add two clock reads each). */
class PhaseTimedRuntime extends AgentRuntime {
  readonly current: Record<Phase, number> = { resolve: 0, provider: 0, reportSuccess: 0, sessionWrite: 0, usageRecord: 0 };
  private timedSessions?: SessionService;
  private timedResolver?: Promise<CredentialResolver>;
  private timedProvider?: Promise<Provider | undefined>;

  private async time<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.current[phase] += performance.now() - start;
    }
  }

  override sessions(agentId: string): SessionService {
    if (!this.timedSessions) {
      const sessions = super.sessions(agentId);
      const recordTurn = sessions.recordTurn.bind(sessions);
      sessions.recordTurn = (key, turn) => this.time("sessionWrite", () => recordTurn(key, turn));
      this.timedSessions = sessions;
    }
    return this.timedSessions;
  }

  override resolver(agentId: string): Promise<CredentialResolver> {
    this.timedResolver ??= super.resolver(agentId).then((resolver) => ({
      ...resolver,
      next: (request) => this.time("resolve", () => resolver.next(request)),
      reportSuccess: (profileId, model) => this.time("reportSuccess", () => resolver.reportSuccess(profileId, model)),
    }));
    return this.timedResolver;
  }

  override provider(id: string): Promise<Provider | undefined> {
    this.timedProvider ??= super.provider(id).then(
      (provider) => provider && { id: provider.id, complete: (credential, request) => this.time("provider", () => provider.complete(credential, request)) },
    );
    return this.timedProvider;
  }

  resetPhases(): void {
    for (const phase of Object.keys(this.current) as Phase[]) this.current[phase] = 0;
  }
}

export interface LatencyFigure {
  p50Ms: number;
  p99Ms: number;
}

export interface TurnOverheadFigures {
  turns: number;
  /** Whether usage recording was on (the gateway's default). */
  usageRecording: boolean;
  /** Where Baton's state was kept (config `state.backend`). */
  state: BenchState;
  direct: LatencyFigure;
  baton: LatencyFigure;
  /** baton minus direct, percentile by percentile. */
  overhead: LatencyFigure;
  /** Median of the per-pair differences (each Baton turn minus its neighbouring direct call). */
  pairedOverheadMedianMs: number;
  /** Median time of each phase of a Baton turn; "other" is the rest (settings, history, cache checks). */
  phasesMedianMs: Record<Phase | "other", number>;
}

export type BenchState = "file" | "redis";

export async function turnOverhead(
  turns = 1_000,
  warmup = 100,
  options: { usageRecording?: boolean; provider?: BenchProvider; state?: BenchState } = {},
): Promise<TurnOverheadFigures> {
  const usageRecording = options.usageRecording ?? true;
  const openrouter = options.provider === "openrouter";
  const stateKind = options.state ?? "file";
  const redis: TestRedis | undefined = stateKind === "redis" ? await startRedis() : undefined;
  const state = redis ? { state: { backend: "redis" as const, redis: { url: redis.url, keyPrefix: "bench:" } } } : {};
  const fake = openrouter ? await openRouterTarget() : await anthropicTarget();
  const bench = openrouter
    ? await createBenchRuntime({ config: { ...state, agents: { defaults: { model: OPENROUTER_MODEL } }, models: { providers: { openrouter: { baseUrl: fake.url } } } } })
    : await createBenchRuntime({ anthropicBaseUrl: fake.url, config: state });
  if (openrouter) {
    writeAuthStore(bench.runtime.paths.authStorePath("main"), {
      [BENCH_PROFILE_ID]: { type: "api_key", provider: "anthropic", key: BENCH_API_KEY },
      "openrouter:default": { type: "api_key", provider: "openrouter", key: OPENROUTER_KEY },
    });
  }
  const agents = new PhaseTimedRuntime(bench.runtime);
  const record = agents.usage.record.bind(agents.usage);
  agents.usage.record = usageRecording
    ? (turn) => {
        const start = performance.now();
        record(turn);
        agents.current.usageRecord += performance.now() - start;
      }
    : () => {};
  const settings = agents.settings("main");

  const direct = async (): Promise<number> => {
    const start = performance.now();
    const text = await fake.direct(settings.maxTokens);
    const ms = performance.now() - start;
    if (text !== `echo: ${PROMPT}`) throw new Error(`direct call answered ${JSON.stringify(text)}`);
    return ms;
  };

  const baton = async (): Promise<number> => {
    await agents.sessions("main").reset(SESSION, { all: false });
    agents.resetPhases();
    const start = performance.now();
    const outcome = await agents.runTurn({ agentId: "main", sessionKey: SESSION, text: PROMPT, sender: "bench:user" });
    const ms = performance.now() - start;
    if (!outcome.ok || outcome.text !== `echo: ${PROMPT}`) throw new Error(`Baton turn failed: ${outcome.ok ? outcome.text : outcome.message}`);
    return ms;
  };

  const directMs: number[] = [];
  const batonMs: number[] = [];
  const phases: Record<Phase | "other", number[]> = { resolve: [], provider: [], reportSuccess: [], sessionWrite: [], usageRecord: [], other: [] };
  try {
    for (let i = 0; i < warmup; i++) {
      await direct();
      await baton();
    }
    for (let i = 0; i < turns; i++) {
      // ABBA: neither path always runs first (warm connection, GC debt, timers).
      const batonFirst = i % 4 === 1 || i % 4 === 2;
      let b = 0;
      let d = 0;
      if (batonFirst) {
        b = await baton();
        d = await direct();
      } else {
        d = await direct();
        b = await baton();
      }
      directMs.push(d);
      batonMs.push(b);
      const { resolve, provider, reportSuccess, sessionWrite, usageRecord } = agents.current;
      phases.resolve.push(resolve);
      phases.provider.push(provider);
      phases.reportSuccess.push(reportSuccess);
      phases.sessionWrite.push(sessionWrite);
      phases.usageRecord.push(usageRecord);
      phases.other.push(b - resolve - provider - reportSuccess - sessionWrite - usageRecord);
      if (i % 200 === 199) fake.reset(); // keep the fake's request log short
    }
  } finally {
    await agents.close();
    await fake.close();
    await redis?.stop();
    bench.cleanup();
  }

  const figure = (values: number[]): LatencyFigure => ({ p50Ms: median(values), p99Ms: percentile(values, 99) });
  const d = figure(directMs);
  const b = figure(batonMs);
  const figures: TurnOverheadFigures = {
    turns,
    usageRecording,
    state: stateKind,
    direct: d,
    baton: b,
    overhead: { p50Ms: b.p50Ms - d.p50Ms, p99Ms: b.p99Ms - d.p99Ms },
    pairedOverheadMedianMs: median(batonMs.map((ms, i) => ms - directMs[i])),
    phasesMedianMs: {
      resolve: median(phases.resolve),
      provider: median(phases.provider),
      reportSuccess: median(phases.reportSuccess),
      sessionWrite: median(phases.sessionWrite),
      usageRecord: median(phases.usageRecord),
      other: median(phases.other),
    },
  };
  printTable(
    `Turn overhead: ${turns} turns per path after ${warmup} warm-up, streamed from ${fake.label}, usage recording ${usageRecording ? "on" : "off"}, state ${stateKind === "redis" ? "in Redis" : "in files"} (${os.cpus().length} cores, Node ${process.version})`,
    ["path", "p50 ms", "p99 ms"],
    [
      [fake.directLabel, formatMs(d.p50Ms), formatMs(d.p99Ms)],
      ["AgentRuntime.runTurn", formatMs(b.p50Ms), formatMs(b.p99Ms)],
      ["overhead (runTurn - direct)", formatMs(figures.overhead.p50Ms), formatMs(figures.overhead.p99Ms)],
      ["overhead, median of pairs", formatMs(figures.pairedOverheadMedianMs), ""],
    ],
  );
  printTable(
    "Turn overhead: where a runTurn spends its time (median per phase)",
    ["phase", "ms"],
    [
      ["resolver.next (auth store read)", formatMs(figures.phasesMedianMs.resolve)],
      ["provider.complete (SDK + HTTP)", formatMs(figures.phasesMedianMs.provider)],
      ["resolver.reportSuccess (locked auth store write)", formatMs(figures.phasesMedianMs.reportSuccess)],
      ["session store write", formatMs(figures.phasesMedianMs.sessionWrite)],
      ["usage recording (turn event -> recorder, in memory)", formatMs(figures.phasesMedianMs.usageRecord)],
      ["other", formatMs(figures.phasesMedianMs.other)],
    ],
  );
  return figures;
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const count = args.find((arg) => /^\d+$/.test(arg));
  const provider = args.find((arg) => arg.startsWith("--provider="))?.slice("--provider=".length) ?? "anthropic";
  if (provider !== "anthropic" && provider !== "openrouter") throw new Error(`--provider=${provider}: anthropic or openrouter`);
  const state = args.find((arg) => arg.startsWith("--state="))?.slice("--state=".length) ?? "file";
  if (state !== "file" && state !== "redis") throw new Error(`--state=${state}: file or redis`);
  await turnOverhead(Number(count ?? 1_000), 100, { usageRecording: !args.includes("--usage=off"), provider, state });
}
