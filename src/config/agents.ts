import { DEFAULT_AGENT_ID, DEFAULT_MODEL, type BatonConfig } from "./schema.js";

/** Which agent a command acts on, which agents exist, and which model an agent uses by default. Pure. */

/** `--agent` when given, else the `agents.list` entry marked `default`, else the first listed, else `main` (as the gateway decides). */
export function resolveAgentId(config: BatonConfig, flag?: string): string {
  const explicit = flag?.trim();
  if (explicit) return explicit;
  const list = config.agents?.list ?? [];
  return list.find((agent) => agent.default)?.id ?? list[0]?.id ?? DEFAULT_AGENT_ID;
}

/** The agents the gateway runs: every agent of `agents.list`, or `main` when there is none. */
export function listAgentIds(config: BatonConfig): string[] {
  const ids = (config.agents?.list ?? []).map((agent) => agent.id);
  return ids.length ? [...new Set(ids)] : [DEFAULT_AGENT_ID];
}

/**
 * The agent's model choice, field by field: its own `primary` and `fallbacks` where it sets them,
 * else `agents.defaults.model`'s (an agent that names only a model keeps the default fallbacks).
 * The one place this is decided: turns, `models status` and doctor all read it.
 */
export function agentModelChoice(config: BatonConfig, agentId: string): { primary: string; fallbacks: string[] } {
  const own = config.agents?.list?.find((agent) => agent.id === agentId)?.model;
  const defaults = config.agents?.defaults?.model;
  return { primary: own?.primary ?? defaults?.primary ?? DEFAULT_MODEL, fallbacks: own?.fallbacks ?? defaults?.fallbacks ?? [] };
}

/** The agent's primary model as `provider/model`. */
export function defaultModelRef(config: BatonConfig, agentId: string): string {
  return agentModelChoice(config, agentId).primary;
}

/** Fallback models of the agent (`provider/model`). */
export function fallbackModelRefs(config: BatonConfig, agentId: string): string[] {
  return agentModelChoice(config, agentId).fallbacks;
}

/** Splits `anthropic/claude-opus-4-5`; a bare model id is Anthropic's. */
export function splitModelRef(ref: string): { provider: string; model: string } {
  const slash = ref.indexOf("/");
  return slash > 0 ? { provider: ref.slice(0, slash), model: ref.slice(slash + 1) } : { provider: "anthropic", model: ref };
}
