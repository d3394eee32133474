import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { applyStreamEvent, createStreamState, resultOf } from "./stream-state.js";

const start = {
  type: "message_start",
  message: {
    model: "claude-real-model",
    usage: { input_tokens: 12, cache_creation_input_tokens: 30, cache_read_input_tokens: 40, output_tokens: 1 },
  },
} as unknown as Anthropic.RawMessageStreamEvent;

const delta = (text: string) =>
  ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }) as Anthropic.RawMessageStreamEvent;

describe("stream state", () => {
  it("collects text, usage, stop reason and model from a full stream", () => {
    const state = createStreamState("requested-model");
    const deltas = [
      start,
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      delta("Hel"),
      delta("lo"),
      { type: "content_block_stop", index: 0 },
      { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } },
      { type: "message_stop" },
    ].map((event) => applyStreamEvent(state, event as Anthropic.RawMessageStreamEvent));
    expect(deltas.filter(Boolean)).toEqual(["Hel", "lo"]);
    expect(state.complete).toBe(true);
    expect(resultOf(state)).toEqual({
      text: "Hello",
      stopReason: "end_turn",
      model: "claude-real-model",
      usage: { inputTokens: 12, outputTokens: 9, cacheReadTokens: 40, cacheWriteTokens: 30 },
    });
  });

  it("lets message_delta usage override start values field by field, ignoring nulls", () => {
    const state = createStreamState("m");
    applyStreamEvent(state, start);
    applyStreamEvent(state, {
      type: "message_delta",
      delta: { stop_reason: "max_tokens", stop_sequence: null },
      usage: { input_tokens: 13, cache_read_input_tokens: null, output_tokens: 5 },
    } as unknown as Anthropic.RawMessageStreamEvent);
    expect(state.usage).toEqual({ inputTokens: 13, outputTokens: 5, cacheReadTokens: 40, cacheWriteTokens: 30 });
    expect(state.stopReason).toBe("max_tokens");
  });

  it("ignores non-text deltas and is incomplete without message_stop", () => {
    const state = createStreamState("m");
    const out = applyStreamEvent(state, {
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "hmm" },
    } as Anthropic.RawMessageStreamEvent);
    expect(out).toBeUndefined();
    expect(state.text).toBe("");
    expect(state.complete).toBe(false);
  });
});
