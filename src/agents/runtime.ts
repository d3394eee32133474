import type { Runtime } from "../config/runtime.js";
import { createProvider, providerBaseUrl } from "../providers/registry.js";
import { imageReference, type ChatTurnMessage, type ImageBlock, type Provider } from "../providers/types.js";
import { trimHistory } from "../sessions/history.js";
import { answeredReply, SessionService } from "../sessions/service.js";
import { openStateBackend, type StateBackend } from "../state/backend.js";
import { agentSettings, type AgentSettings } from "./agents.js";
import type { CredentialResolver } from "../auth/resolver.js";
import type { RefreshLock } from "../auth/oauth-refresh.js";
import { AgentEventBus } from "./events.js";
import { executeTurn, type TurnOutcome } from "./turn.js";
import { UsageRecorder } from "../usage/recorder.js";
import { checkSenderBudget, hasBudgets, profileBudgetBlock, senderBudgetMessage } from "../usage/budgets.js";
import { createLogger } from "../util/log.js";

export interface TurnInput {
  agentId: string;
  sessionKey: string;
  parentKey?: string;
  text: string;
  /**
   * Images sent with the message: the model gets them with `text` in this turn only; the
   * history keeps `[image: <type>, <size>]` references instead of the bytes.
   */
  images?: ImageBlock[];
  /** The platform message this turn answers: a message already answered in this session is not run again. */
  messageId?: string;
  /** Who asked, as `<channel>:<senderId>` (usage per sender, budgets); absent for CLI turns. */
  sender?: string;
  signal?: AbortSignal;
  onText?: (delta: string) => void;
  onRestart?: () => void;
}

/**
 * A turn's outcome; `replayed` when the message had been answered before (a platform replay
 * after a restart): no model call was made, and `delivered` parts of the stored reply are out.
 */
export type RuntimeTurnOutcome = TurnOutcome | { ok: true; replayed: true; text: string; delivered: number };

/**
 * Holds what agents share in one process: the state backend, session services, credential
 * resolvers and providers, each created on first use so light commands never load the SDK.
 */
export class AgentRuntime {
  /** Where sessions, auth usage and channel state live (config `state.backend`). */
  readonly state: StateBackend;
  /** Provider calls, failovers and finished turns, for metrics and usage (never on the critical path). */
  readonly events: AgentEventBus;
  /** Every answered turn's tokens and cost into the usage store; the running spend budgets check. */
  readonly usage: UsageRecorder;
  private readonly sessionServices = new Map<string, SessionService>();
  private readonly resolvers = new Map<string, Promise<CredentialResolver>>();
  private readonly providers = new Map<string, Promise<Provider | undefined>>();

  constructor(readonly runtime: Runtime, options: { onListenerError?: (err: unknown) => void } = {}) {
    this.state = openStateBackend(runtime.config, runtime.paths, runtime.env);
    this.events = new AgentEventBus(options.onListenerError);
    const usageLog = createLogger({ level: runtime.config.gateway?.logLevel, scope: "usage" });
    const state = this.state;
    this.usage = new UsageRecorder({
      // opened on first use: a backend that connects (Redis) does not for a runtime that records nothing
      repository: { add: (rows) => state.usage().add(rows), query: (range) => state.usage().query(range), prune: (before) => state.usage().prune(before) },
      config: runtime.config,
      onError: (err, during) => usageLog.warn(`usage ${during} failed; will retry`, { error: err instanceof Error ? err.message : String(err) }),
    });
    this.events.on(this.usage.listener);
  }

  /** Writes what is still pending (recorded usage); call when the process stops. */
  async close(): Promise<void> {
    await this.usage.close();
  }

  settings(agentId: string): AgentSettings {
    return agentSettings(this.runtime.config, agentId);
  }

  /** The agent's sessions: the only way a session's model, pin or history changes. */
  sessions(agentId: string): SessionService {
    let service = this.sessionServices.get(agentId);
    if (!service) {
      const settings = this.settings(agentId);
      service = new SessionService(this.state.sessions(agentId), { defaultModel: settings.primary, history: settings.history });
      this.sessionServices.set(agentId, service);
    }
    return service;
  }

  /** The agent's credential resolver (every provider); Claude Code credentials are synced on creation. */
  resolver(agentId: string): Promise<CredentialResolver> {
    let resolver = this.resolvers.get(agentId);
    if (!resolver) {
      const usage = this.state.authUsage(agentId);
      const config = this.runtime.config;
      // budgets need this month's spend before the first pick
      const seeded = hasBudgets(config) ? this.usage.ready() : Promise.resolve();
      const extraBlocks = [profileBudgetBlock(config, this.usage)];
      resolver = Promise.all([import("../auth/resolver.js"), seeded]).then(([m]) =>
        m.createCredentialResolver({ paths: this.runtime.paths, config, env: this.runtime.env, agentId, usage, extraBlocks, refreshLock: refreshLockOf(this.state, agentId) }),
      );
      resolver.catch(() => this.resolvers.delete(agentId));
      this.resolvers.set(agentId, resolver);
    }
    return resolver;
  }

  provider(id: string): Promise<Provider | undefined> {
    let provider = this.providers.get(id);
    if (!provider) {
      provider = this.createProvider(id);
      this.providers.set(id, provider);
    }
    return provider;
  }

  /** The registry's provider `id` (its SDK is imported now), or undefined for a provider Baton cannot call. */
  private createProvider(id: string): Promise<Provider | undefined> {
    return createProvider(id, this.runtime.config, this.runtime.env);
  }

  /** Endpoint the provider calls (for /model status). */
  endpoint(providerId: string): string {
    return providerBaseUrl(providerId, this.runtime.config, this.runtime.env) ?? "(unknown)";
  }

  /** Whether the agent's auth store holds `profileId` (env credentials count as present). */
  async profileExists(agentId: string, profileId: string): Promise<boolean> {
    if (profileId.startsWith("env:")) return true;
    const { readAuthStoreCached } = await import("../auth/store.js");
    return Boolean((await readAuthStoreCached(this.runtime.paths.authStorePath(agentId))).profiles[profileId]);
  }

  /** The refusal for a sender over `agents.defaults.budgets.perSender`, or undefined (nothing is sent to the model then). */
  private async senderOverBudget(sender: string | undefined): Promise<string | undefined> {
    const config = this.runtime.config;
    if (!sender || !config.agents?.defaults?.budgets?.perSender) return undefined;
    await this.usage.ready();
    const now = Date.now();
    const check = checkSenderBudget(config, this.usage, sender, now);
    return check.over ? senderBudgetMessage(check, now) : undefined;
  }

  /**
   * One turn through the credential failover; history and usage are stored only on success.
   * A message whose turn is already in the history is not sent to the model again.
   */
  async runTurn(input: TurnInput): Promise<RuntimeTurnOutcome> {
    // a backend shared by several processes: one run of a session at a time across all of them
    const release = await this.state.sessionRun?.(input.agentId, input.sessionKey, input.signal);
    try {
      return await this.runTurnHere(input);
    } finally {
      await release?.();
    }
  }

  private async runTurnHere(input: TurnInput): Promise<RuntimeTurnOutcome> {
    const settings = this.settings(input.agentId);
    const sessions = this.sessions(input.agentId);
    const session = await sessions.get(input.sessionKey);
    const previous = input.messageId ? answeredReply(session.history, input.messageId) : undefined;
    if (previous) return { ok: true, replayed: true, text: previous.content, delivered: previous.delivered ?? 0 };
    const overBudget = await this.senderOverBudget(input.sender);
    if (overBudget) return { ok: false, aborted: false, message: overBudget, attempts: [] };
    const model = await sessions.modelFor(session, input.parentKey);
    const images = input.images ?? [];
    const content: ChatTurnMessage["content"] = images.length ? [...images, ...(input.text.trim() ? [{ type: "text" as const, text: input.text }] : [])] : input.text;
    const history = trimHistory([...session.history, { role: "user" as const, content, ts: Date.now() }], settings.history);
    const params = (ref: string) => settings.models[ref]?.params;
    const startedAt = Date.now();
    const outcome = await executeTurn(
      {
        resolver: () => this.resolver(input.agentId),
        provider: (id) => this.provider(id),
        emit: (event) => this.events.emit({ ...event, agentId: input.agentId }),
      },
      {
        model: model.ref,
        fallbacks: settings.fallbacks,
        pinnedProfileId: session.pinnedProfileId,
        system: settings.systemPrompt,
        messages: history.map(({ role, content }) => ({ role, content })),
        maxTokens: params(model.ref)?.maxTokens ?? settings.maxTokens,
        temperature: params(model.ref)?.temperature,
        cacheControlTtl: (ref) => params(ref)?.cacheControlTtl,
        signal: input.signal,
        onText: input.onText,
        onRestart: input.onRestart,
      },
    );
    this.events.emit({
      type: "turn",
      agentId: input.agentId,
      sessionKey: input.sessionKey,
      ...(input.sender ? { sender: input.sender } : {}),
      model: outcome.ok ? outcome.model : model.ref,
      ...(outcome.ok ? { profileId: outcome.profileId, usage: outcome.usage } : {}),
      outcome: outcome.ok ? "ok" : outcome.aborted ? "aborted" : "error",
      durationMs: Date.now() - startedAt,
    });
    if (outcome.ok) {
      const text = [input.text, ...images.map(imageReference)].filter((line) => line.trim()).join("\n");
      await sessions.recordTurn(input.sessionKey, { text, messageId: input.messageId, reply: outcome.text, usage: outcome.usage, at: Date.now() });
    }
    return outcome;
  }
}

/** OAuth refreshes under the backend's lock when gateways share it; a refresh lasts at most 15 s, the lock 30 s. */
function refreshLockOf(state: StateBackend, agentId: string): RefreshLock | undefined {
  const withLock = state.withLock?.bind(state);
  return withLock && ((profileId, work) => withLock(`oauth-refresh:${agentId}:${profileId}`, 30_000, work));
}
