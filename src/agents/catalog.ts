/** Models Baton knows without configuration, with their default aliases. */
export interface CatalogModel {
  ref: string;
  alias?: string;
  name: string;
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  { ref: "anthropic/claude-opus-4-5", alias: "opus", name: "Claude Opus 4.5" },
  { ref: "anthropic/claude-sonnet-4-5", alias: "sonnet", name: "Claude Sonnet 4.5" },
  { ref: "anthropic/claude-haiku-4-5", alias: "haiku", name: "Claude Haiku 4.5" },
  { ref: "anthropic/claude-opus-4-1", name: "Claude Opus 4.1" },
  { ref: "anthropic/claude-sonnet-4", name: "Claude Sonnet 4" },
];

import { splitModelRef } from "../config/agents.js";

/** `anthropic/claude-opus-4-5` -> { provider, model }; a bare id is taken as anthropic's. */
export { splitModelRef as parseModelRef };

/** `claude-haiku-4-5` -> `anthropic/claude-haiku-4-5`; refs with a provider stay as they are. */
export function normalizeModelRef(ref: string): string {
  const { provider, model } = splitModelRef(ref);
  return `${provider}/${model}`;
}
