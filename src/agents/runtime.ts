import type { Runtime } from "../config/runtime.js";
import type { Provider } from "../providers/types.js";
import { SessionStore, type SessionData, type StoredMessage } from "../sessions/store.js";
import { trimHistory } from "../sessions/history.js";
import { agentSettings, type AgentSettings } from "./agents.js";
import type { CredentialResolver } from "../auth/resolver.js";
import { executeTurn, type TurnOutcome } from "./turn.js";

export interface EffectiveModel {
  ref: string;
  source: "session" | "parent" | "agent";
}

export interface TurnInput {
  agentId: string;
  sessionKey: string;
  parentKey?: string;
  text: string;
  /** The platform message this turn answers: a message already answered in this session is not run again. */
  messageId?: string;
  signal?: AbortSignal;
  onText?: (delta: string) => void;
  onRestart?: () => void;
}

/** A change to a session's model choice; the only way a session's model or pin changes. */
export interface SessionModelChange {
  /** provider/model, or null for the agent default. */
  model: string | null;
  /** Pin a profile (with who pinned it), or null to clear the pin. */
  pin: { profileId: string; by: string } | null;
}

/**
 * A turn's outcome; `replayed` when the message had been answered before (a platform replay
 * after a restart): no model call was made, and `delivered` parts of the stored reply are out.
 */
export type RuntimeTurnOutcome = TurnOutcome | { ok: true; replayed: true; text: string; delivered: number };

/**
 * Holds what agents share in one process: session stores, credential resolvers and
 * providers, each created on first use so light commands never load the SDK.
 */
export class AgentRuntime {
  private readonly stores = new Map<string, SessionStore>();
  private readonly resolvers = new Map<string, Promise<CredentialResolver>>();
  private readonly providers = new Map<string, Promise<Provider | undefined>>();

  constructor(readonly runtime: Runtime) {}

  settings(agentId: string): AgentSettings {
    return agentSettings(this.runtime.config, agentId);
  }

  sessions(agentId: string): SessionStore {
    let store = this.stores.get(agentId);
    if (!store) {
      store = new SessionStore(this.runtime.paths.sessionsDir(agentId));
      this.stores.set(agentId, store);
    }
    return store;
  }

  /** The credential resolver of (agent, provider); Claude Code credentials are synced on creation. */
  resolver(agentId: string): Promise<CredentialResolver> {
    let resolver = this.resolvers.get(agentId);
    if (!resolver) {
      resolver = import("../auth/resolver.js").then((m) =>
        m.createCredentialResolver({ paths: this.runtime.paths, config: this.runtime.config, env: this.runtime.env, agentId }),
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

  private async createProvider(id: string): Promise<Provider | undefined> {
    if (id !== "anthropic") return undefined;
    const settings = this.runtime.config.models?.providers?.anthropic;
    const { createAnthropicProvider } = await import("../providers/anthropic/provider.js");
    return createAnthropicProvider({
      baseUrl: settings?.baseUrl ?? this.runtime.env.ANTHROPIC_BASE_URL,
      headers: settings?.headers,
      timeoutMs: settings?.timeoutMs,
    });
  }

  /** Endpoint the provider calls (for /model status). */
  endpoint(providerId: string): string {
    if (providerId !== "anthropic") return "(unknown)";
    return this.runtime.config.models?.providers?.anthropic?.baseUrl ?? this.runtime.env.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com";
  }

  /** Session override, else the parent session's (threads, topics), else the agent's primary. */
  effectiveModel(agentId: string, sessionKey: string, parentKey?: string): EffectiveModel {
    const store = this.sessions(agentId);
    const own = store.get(sessionKey).modelOverride;
    if (own) return { ref: own, source: "session" };
    const inherited = parentKey ? store.get(parentKey).modelOverride : undefined;
    if (inherited) return { ref: inherited, source: "parent" };
    return { ref: this.settings(agentId).primary, source: "agent" };
  }

  async setSessionModel(agentId: string, sessionKey: string, change: SessionModelChange): Promise<SessionData> {
    return this.sessions(agentId).update(sessionKey, (session) => {
      if (change.model) session.modelOverride = change.model;
      else delete session.modelOverride;
      if (change.pin) {
        session.pinnedProfileId = change.pin.profileId;
        session.pinnedBy = change.pin.by;
      } else {
        delete session.pinnedProfileId;
        delete session.pinnedBy;
      }
      return structuredClone(session);
    });
  }

  /** Fresh history; `all` also clears the model override and pin. */
  async resetSession(agentId: string, sessionKey: string, all: boolean): Promise<void> {
    await this.sessions(agentId).update(sessionKey, (session) => {
      session.history = [];
      if (all) {
        delete session.modelOverride;
        delete session.pinnedProfileId;
        delete session.pinnedBy;
      }
    });
  }

  /** Whether the agent's auth store holds `profileId` (env credentials count as present). */
  async profileExists(agentId: string, profileId: string): Promise<boolean> {
    if (profileId.startsWith("env:")) return true;
    const { readAuthStoreCached } = await import("../auth/store.js");
    return Boolean((await readAuthStoreCached(this.runtime.paths.authStorePath(agentId))).profiles[profileId]);
  }

  /** Records how many parts of the reply to `messageId` reached the chat. */
  async markDelivered(agentId: string, sessionKey: string, messageId: string, delivered: number): Promise<void> {
    await this.sessions(agentId).update(sessionKey, (session) => {
      const reply = replyTo(session.history, messageId);
      if (reply) reply.delivered = delivered;
    });
  }

  /**
   * One turn through the credential failover; history and usage are stored only on success.
   * A message whose turn is already in the history is not sent to the model again.
   */
  async runTurn(input: TurnInput): Promise<RuntimeTurnOutcome> {
    const settings = this.settings(input.agentId);
    const store = this.sessions(input.agentId);
    const session = store.get(input.sessionKey);
    const previous = input.messageId ? replyTo(session.history, input.messageId) : undefined;
    if (previous) return { ok: true, replayed: true, text: previous.content, delivered: previous.delivered ?? 0 };
    const model = this.effectiveModel(input.agentId, input.sessionKey, input.parentKey);
    const history = trimHistory([...session.history, { role: "user" as const, content: input.text, ts: Date.now() }], settings.history);
    const params = (ref: string) => settings.models[ref]?.params;
    const outcome = await executeTurn(
      { resolverFor: () => this.resolver(input.agentId), provider: (id) => this.provider(id) },
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
    if (outcome.ok) {
      const now = Date.now();
      await store.update(input.sessionKey, (s) => {
        s.history = trimHistory(
          [
            ...s.history,
            { role: "user", content: input.text, ts: now, ...(input.messageId ? { messageId: input.messageId } : {}) },
            { role: "assistant", content: outcome.text, ts: now, delivered: 0 },
          ],
          settings.history,
        );
        s.usage.inputTokens += outcome.usage.inputTokens;
        s.usage.outputTokens += outcome.usage.outputTokens;
        s.usage.cacheReadTokens += outcome.usage.cacheReadTokens;
        s.usage.cacheWriteTokens += outcome.usage.cacheWriteTokens;
        s.usage.turns += 1;
      });
    }
    return outcome;
  }
}

/** The stored assistant reply that answered the user message `messageId`, if it is still in the history. */
function replyTo(history: StoredMessage[], messageId: string): StoredMessage | undefined {
  const index = history.findIndex((m) => m.role === "user" && m.messageId === messageId);
  const reply = index >= 0 ? history[index + 1] : undefined;
  return reply?.role === "assistant" ? reply : undefined;
}
