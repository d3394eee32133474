import { agentModelChoice, resolveAgentId } from "../config/agents.js";
import type { BatonConfig } from "../config/schema.js";
import type { InboundMessage } from "../plugin-api.js";
import { normalizeModelRef } from "./catalog.js";

/** What a turn needs to know about an agent: its config merged over `agents.defaults`. Pure. */
export interface AgentSettings {
  id: string;
  name: string;
  primary: string;
  fallbacks: string[];
  systemPrompt?: string;
  maxTokens: number;
  history: { maxMessages: number; maxTokens: number };
  /** `agents.defaults.models` (the allowlist when non-empty), keys normalized to provider/model. */
  models: Record<string, { alias?: string; params?: { cacheControlTtl?: "5m" | "1h"; maxTokens?: number; temperature?: number } }>;
}

export const DEFAULT_SYSTEM_PROMPT = "You are Baton, a helpful assistant answering in a chat. Be concise.";

export function agentSettings(config: BatonConfig, agentId: string): AgentSettings {
  const defaults = config.agents.defaults;
  const entry = config.agents?.list?.find((a) => a.id === agentId);
  const model = agentModelChoice(config, agentId);
  return {
    id: agentId,
    name: entry?.name ?? agentId,
    primary: normalizeModelRef(model.primary),
    fallbacks: model.fallbacks.map(normalizeModelRef),
    systemPrompt: entry?.systemPrompt ?? defaults.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
    maxTokens: entry?.maxTokens ?? defaults.maxTokens ?? 4096,
    history: defaults.history,
    models: Object.fromEntries(Object.entries(defaults.models ?? {}).map(([ref, value]) => [normalizeModelRef(ref), value])),
  };
}

/**
 * The agent a message goes to: the most specific matching binding (peer > chat > guild >
 * account > channel), else the default agent.
 */
export function agentForMessage(config: BatonConfig, message: Pick<InboundMessage, "channel" | "accountId" | "guildId" | "chatId" | "parentChatId" | "senderId">): string {
  let best: { agentId: string; score: number } | undefined;
  for (const binding of config.bindings ?? []) {
    const m = binding.match;
    if (m.channel !== message.channel) continue;
    if (m.accountId && m.accountId !== message.accountId) continue;
    if (m.guildId && m.guildId !== message.guildId) continue;
    if (m.chatId && m.chatId !== message.chatId && m.chatId !== message.parentChatId) continue;
    if (m.peer && m.peer !== message.senderId) continue;
    const score = (m.peer ? 16 : 0) + (m.chatId ? 8 : 0) + (m.guildId ? 4 : 0) + (m.accountId ? 2 : 0) + 1;
    if (!best || score > best.score) best = { agentId: binding.agentId, score };
  }
  return best?.agentId ?? resolveAgentId(config);
}
