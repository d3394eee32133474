/** Folding Messages API stream events into a completion result. Pure. */
import type Anthropic from "@anthropic-ai/sdk";
import type { CompletionResult, Usage } from "../types.js";

export interface StreamState {
  text: string;
  model: string;
  stopReason: string | null;
  usage: Usage;
  /** `message_stop` arrived: the reply is complete. */
  complete: boolean;
}

export function createStreamState(model: string): StreamState {
  return {
    text: "",
    model,
    stopReason: null,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    complete: false,
  };
}

interface UsageFields {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** Later reports win field by field; absent or null fields keep the earlier value. */
function mergeUsage(usage: Usage, fields: UsageFields | undefined | null): Usage {
  if (!fields) return usage;
  return {
    inputTokens: fields.input_tokens ?? usage.inputTokens,
    outputTokens: fields.output_tokens ?? usage.outputTokens,
    cacheReadTokens: fields.cache_read_input_tokens ?? usage.cacheReadTokens,
    cacheWriteTokens: fields.cache_creation_input_tokens ?? usage.cacheWriteTokens,
  };
}

/** Apply one event; returns the text delta it carried, if any. Unknown events are ignored. */
export function applyStreamEvent(state: StreamState, event: Anthropic.RawMessageStreamEvent): string | undefined {
  switch (event.type) {
    case "message_start":
      state.model = event.message.model || state.model;
      state.usage = mergeUsage(state.usage, event.message.usage);
      return undefined;
    case "content_block_start":
      if (event.content_block.type === "text" && event.content_block.text) {
        state.text += event.content_block.text;
        return event.content_block.text;
      }
      return undefined;
    case "content_block_delta":
      if (event.delta.type === "text_delta" && event.delta.text) {
        state.text += event.delta.text;
        return event.delta.text;
      }
      return undefined;
    case "message_delta":
      state.stopReason = event.delta.stop_reason ?? state.stopReason;
      state.usage = mergeUsage(state.usage, event.usage);
      return undefined;
    case "message_stop":
      state.complete = true;
      return undefined;
    default:
      return undefined;
  }
}

export function resultOf(state: StreamState): CompletionResult {
  return { text: state.text, usage: { ...state.usage }, stopReason: state.stopReason, model: state.model };
}
