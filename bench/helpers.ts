/**
 * Shared set-up for the turn, router and memory benchmarks: a Runtime on a temporary state
 * dir with one API-key auth profile, an agent runtime whose provider answers in-process, and a
 * channel plugin that counts what the core sends it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AgentRuntime } from "../src/agents/runtime.js";
import type { TurnOutcome } from "../src/agents/turn.js";
import type { CredentialResolver } from "../src/auth/resolver.js";
import type { ResolvedCredential } from "../src/auth/types.js";
import { defaultCommands } from "../src/chat/commands/index.js";
import { Router } from "../src/chat/router.js";
import { resolvePaths } from "../src/config/paths.js";
import { runtimeFromConfig, type Runtime } from "../src/config/runtime.js";
import type { BatonConfigInput } from "../src/config/schema.js";
import type { ChannelLimits, ChannelPlugin, InboundMessage, Logger, OutboundMessage, OutboundTarget, SentMessage } from "../src/plugin-api.js";
import type { CompletionRequest, CompletionResult, Provider } from "../src/providers/types.js";
import { writeAuthStore } from "../test/support/fixtures.js";

/** The one stored credential; it only ever reaches the loopback fake. */
export const BENCH_API_KEY = `sk-ant-api03-${"b".repeat(80)}BNCH`;
export const BENCH_PROFILE_ID = "anthropic:bench";

export interface BenchRuntime {
  runtime: Runtime;
  stateDir: string;
  /** Removes the temporary state dir. */
  cleanup(): void;
}

/**
 * A Runtime like the gateway's, on a fresh temporary state dir holding one `api_key` profile.
 * `anthropicBaseUrl` points the real provider at a fake; leave it out for in-process providers.
 */
export async function createBenchRuntime(options: { anthropicBaseUrl?: string; config?: BatonConfigInput } = {}): Promise<BenchRuntime> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-bench-"));
  const paths = resolvePaths({ BATON_STATE_DIR: stateDir, HOME: stateDir });
  const storePath = paths.authStorePath("main");
  writeAuthStore(storePath, { [BENCH_PROFILE_ID]: { type: "api_key", provider: "anthropic", key: BENCH_API_KEY } });
  const input: BatonConfigInput = {
    // the benchmarks' senders are strangers: open DMs explicitly (the default is pairing)
    channels: { telegram: { dmPolicy: "open" } },
    ...options.config,
    ...(options.anthropicBaseUrl ? { models: { providers: { anthropic: { baseUrl: options.anthropicBaseUrl } } } } : {}),
  };
  const runtime = await runtimeFromConfig(stateDir, input);
  return { runtime, stateDir, cleanup: () => fs.rmSync(stateDir, { recursive: true, force: true }) };
}

/** A provider that answers at once without I/O: the reply echoes the last user message. */
export class InstantProvider implements Provider {
  readonly id = "anthropic";
  calls = 0;

  async complete(_credential: ResolvedCredential, request: CompletionRequest): Promise<CompletionResult> {
    this.calls += 1;
    const text = `echo: ${request.messages[request.messages.length - 1]?.content ?? ""}`;
    request.onText?.(text);
    return {
      text,
      usage: { inputTokens: 10, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 },
      stopReason: "end_turn",
      model: request.model,
    };
  }
}

/**
 * The real agent runtime (resolver, session store, failover) with `provider` injected.
 * `skipSuccessWrites` turns the resolver's `reportSuccess` (a locked, fsynced write of
 * auth-profiles.json on every successful turn) into a no-op, to show what that write costs.
 */
export class InjectedProviderRuntime extends AgentRuntime {
  private wrappedResolver?: Promise<CredentialResolver>;

  constructor(
    runtime: Runtime,
    private readonly injected: Provider,
    private readonly options: { skipSuccessWrites?: boolean } = {},
  ) {
    super(runtime);
  }

  override provider(id: string): Promise<Provider | undefined> {
    return Promise.resolve(id === this.injected.id ? this.injected : undefined);
  }

  override resolver(agentId: string): Promise<CredentialResolver> {
    if (!this.options.skipSuccessWrites) return super.resolver(agentId);
    this.wrappedResolver ??= super.resolver(agentId).then((resolver) => ({ ...resolver, reportSuccess: async () => {} }));
    return this.wrappedResolver;
  }
}

/**
 * A "plain" channel that counts what it is sent and keeps only the last text, so its own
 * memory stays flat however many messages pass.
 */
export class CountingChannel implements ChannelPlugin {
  readonly id = "bench";
  readonly limits: ChannelLimits = { maxMessageLength: 4096, canEdit: false, nativeCommands: false, format: "plain" };
  sent = 0;
  lastText = "";

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async send(_target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    this.sent += 1;
    this.lastText = message.plainText;
    return { messageId: String(this.sent) };
  }
}

/** A logger that keeps nothing but counts warnings and errors (and the first of them). */
export class CountingLogger implements Logger {
  warnings = 0;
  errors = 0;
  first?: string;

  debug(): void {}
  info(): void {}
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.warnings += 1;
    this.first ??= `${msg} ${JSON.stringify(fields ?? {})}`;
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.errors += 1;
    this.first ??= `${msg} ${JSON.stringify(fields ?? {})}`;
  }
}

/** A Telegram DM from user `100000 + session`; `seq` makes the message id unique. */
export function benchDm(session: number, seq: number): InboundMessage {
  const userId = String(100_000 + session);
  return {
    channel: "telegram",
    accountId: "default",
    chatKind: "dm",
    chatId: userId,
    senderId: userId,
    senderName: `user${session}`,
    messageId: String(seq),
    text: `message ${seq}`,
    mentioned: true,
  };
}

export interface InProcessPipeline {
  bench: BenchRuntime;
  agents: InjectedProviderRuntime;
  provider: InstantProvider;
  router: Router;
  channel: CountingChannel;
  log: CountingLogger;
  /** Finished turns, split by outcome. */
  turns: { ok: number; failed: number; firstFailure?: string };
}

/** Router + session queue + real agent runtime (resolver, session store) + instant provider. */
export async function createInProcessPipeline(options: { config?: BatonConfigInput; skipSuccessWrites?: boolean } = {}): Promise<InProcessPipeline> {
  const bench = await createBenchRuntime({ config: options.config });
  const provider = new InstantProvider();
  const agents = new InjectedProviderRuntime(bench.runtime, provider, { skipSuccessWrites: options.skipSuccessWrites });
  const log = new CountingLogger();
  const turns: InProcessPipeline["turns"] = { ok: 0, failed: 0 };
  const onTurn = ({ outcome }: { outcome: TurnOutcome }) => {
    if (outcome.ok) turns.ok += 1;
    else {
      turns.failed += 1;
      turns.firstFailure ??= outcome.message;
    }
  };
  const router = new Router({ config: bench.runtime.config, runtime: agents, registry: defaultCommands(), log, onTurn });
  return { bench, agents, provider, router, channel: new CountingChannel(), log, turns };
}

export interface DispatchFigures {
  /** Wall time from the first `handle` call until every reply is delivered (ms). */
  totalMs: number;
  /** Wall time until the last `handle` call returned (all messages accepted or refused) (ms). */
  acceptMs: number;
  queued: number;
  dropped: number;
  other: number;
}

/**
 * Sends `count` DMs spread round-robin over `sessions` sessions (message `i` goes to session
 * `firstSession + i % sessions`), as fast as `handle` accepts them, then waits for every queued turn.
 */
export async function dispatchRoundRobin(
  pipeline: InProcessPipeline,
  options: { count: number; sessions: number; firstSeq: number; firstSession?: number },
): Promise<DispatchFigures> {
  const { count, sessions, firstSeq, firstSession = 0 } = options;
  const done: Promise<unknown>[] = [];
  let dropped = 0;
  let other = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const result = await pipeline.router.handle(pipeline.channel, benchDm(firstSession + (i % sessions), firstSeq + i));
    if (result.kind === "queued") done.push(result.done);
    else if (result.kind === "dropped") dropped += 1;
    else other += 1;
  }
  const acceptMs = performance.now() - start;
  await Promise.all(done);
  return { totalMs: performance.now() - start, acceptMs, queued: done.length, dropped, other };
}

/** Throws when the pipeline did not do what the figures claim (a broken run measures nothing). */
export function assertPipelineHealthy(pipeline: InProcessPipeline, expectedReplies: number): void {
  const { turns, channel, log } = pipeline;
  if (turns.failed || channel.sent !== expectedReplies || turns.ok !== expectedReplies) {
    throw new Error(
      `pipeline unhealthy: ${turns.ok} ok / ${turns.failed} failed turns, ${channel.sent} replies (expected ${expectedReplies}); ` +
        `first failure: ${turns.firstFailure ?? log.first ?? "none"}`,
    );
  }
}

export const isMain = (url: string) => url === `file://${process.argv[1]}`;

export function formatMs(ms: number): string {
  return ms.toFixed(ms < 10 ? 3 : 1);
}
