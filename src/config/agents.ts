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

/** The agent's primary model as `provider/model`. */
export function defaultModelRef(config: BatonConfig, agentId: string): string {
  const entry = config.agents?.list?.find((agent) => agent.id === agentId);
  return entry?.model?.primary ?? config.agents?.defaults?.model?.primary ?? DEFAULT_MODEL;
}

/** Fallback models of the agent (`provider/model`). */
export function fallbackModelRefs(config: BatonConfig, agentId: string): string[] {
  const entry = config.agents?.list?.find((agent) => agent.id === agentId);
  return entry?.model?.fallbacks ?? config.agents?.defaults?.model?.fallbacks ?? [];
}

/** Splits `anthropic/claude-opus-4-5`; a bare model id is Anthropic's. */
export function splitModelRef(ref: string): { provider: string; model: string } {
  const slash = ref.indexOf("/");
  return slash > 0 ? { provider: ref.slice(0, slash), model: ref.slice(slash + 1) } : { provider: "anthropic", model: ref };
}
