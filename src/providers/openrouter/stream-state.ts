/** Folding chat completion chunks into a completion result. Pure. */
import type OpenAI from "openai";
import type { CompletionResult, Usage } from "../types.js";

export interface StreamState {
  text: string;
  model: string;
  stopReason: string | null;
  usage: Usage;
  /** A choice finished (`finish_reason` other than `error`): the reply is complete. */
  complete: boolean;
  /** A choice finished with `finish_reason: "error"` and no error body (the SDK throws on one with a body). */
  failed: boolean;
}

export function createStreamState(model: string): StreamState {
  return {
    text: "",
    model,
    stopReason: null,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    complete: false,
    failed: false,
  };
}

/** OpenRouter's usage object: OpenAI's fields, cache details where the upstream reports them. */
interface UsageFields {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
}

const count = (value: number | null | undefined): number => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0);

/**
 * Usage as Baton counts it (like Anthropic's): `prompt_tokens` includes cached and cache-written
 * tokens, so input is what remains after both.
 */
export function usageOf(fields: UsageFields): Usage {
  const prompt = count(fields.prompt_tokens);
  const cacheRead = count(fields.prompt_tokens_details?.cached_tokens);
  const cacheWrite = count(fields.prompt_tokens_details?.cache_write_tokens);
  return {
    inputTokens: Math.max(0, prompt - cacheRead - cacheWrite),
    outputTokens: count(fields.completion_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}

/** Apply one chunk; returns the text delta it carried, if any. Odd chunks (no choices, no delta) are ignored. */
export function applyChunk(state: StreamState, chunk: OpenAI.Chat.Completions.ChatCompletionChunk): string | undefined {
  if (typeof chunk.model === "string" && chunk.model) state.model = chunk.model;
  if (chunk.usage && typeof chunk.usage === "object") state.usage = usageOf(chunk.usage as UsageFields);
  let delta = "";
  for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
    if (!choice || typeof choice !== "object" || (choice.index ?? 0) !== 0) continue;
    const content = choice.delta?.content;
    if (typeof content === "string" && content) delta += content;
    const finish = choice.finish_reason as string | null | undefined;
    if (finish === "error") state.failed = true;
    else if (finish) {
      state.stopReason = finish;
      state.complete = true;
    }
  }
  if (!delta) return undefined;
  state.text += delta;
  return delta;
}

export function resultOf(state: StreamState): CompletionResult {
  return { text: state.text, usage: { ...state.usage }, stopReason: state.stopReason, model: state.model };
}
