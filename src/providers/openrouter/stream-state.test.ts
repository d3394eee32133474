import fc from "fast-check";
import type OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { applyChunk, createStreamState, resultOf, usageOf } from "./stream-state.js";

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

function chunk(fields: Omit<Partial<Chunk>, "choices"> & { choices?: unknown[] }): Chunk {
  return { id: "gen-1", object: "chat.completion.chunk", created: 0, model: "vendor/model", choices: [], ...fields } as Chunk;
}

describe("usageOf", () => {
  it.each([
    [{ prompt_tokens: 100, completion_tokens: 20 }, { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 }],
    [{ prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 60 } }, { inputTokens: 40, outputTokens: 20, cacheReadTokens: 60, cacheWriteTokens: 0 }],
    [
      { prompt_tokens: 100, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 10, cache_write_tokens: 80 } },
      { inputTokens: 10, outputTokens: 1, cacheReadTokens: 10, cacheWriteTokens: 80 },
    ],
    [{ prompt_tokens: null, completion_tokens: -3, prompt_tokens_details: null }, { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }],
    [{ prompt_tokens: 5, prompt_tokens_details: { cached_tokens: 9 } }, { inputTokens: 0, outputTokens: 0, cacheReadTokens: 9, cacheWriteTokens: 0 }],
  ])("%j -> %j", (fields, usage) => {
    expect(usageOf(fields)).toEqual(usage);
  });
});

describe("applyChunk", () => {
  it("folds deltas, the finish reason, the served model and the usage chunk", () => {
    const state = createStreamState("requested/model");
    expect(applyChunk(state, chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }))).toBeUndefined();
    expect(applyChunk(state, chunk({ choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] }))).toBe("Hel");
    expect(applyChunk(state, chunk({ choices: [{ index: 0, delta: { content: "lo" }, finish_reason: "stop" }] }))).toBe("lo");
    applyChunk(state, chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
    expect(state.complete).toBe(true);
    expect(resultOf(state)).toEqual({ text: "Hello", stopReason: "stop", model: "vendor/model", usage: { inputTokens: 3, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 } });
  });

  it("marks finish_reason error as failed, never complete", () => {
    const state = createStreamState("m");
    applyChunk(state, chunk({ choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }] }));
    expect(state).toMatchObject({ failed: true, complete: false });
  });

  it("ignores other choices and odd chunks without throwing", () => {
    const state = createStreamState("m");
    for (const odd of [{ choices: undefined }, { choices: [null] }, { choices: [{ index: 1, delta: { content: "other" } }] }, { choices: [{ index: 0 }] }, { model: "" }]) {
      expect(() => applyChunk(state, chunk(odd as Omit<Partial<Chunk>, "choices">))).not.toThrow();
    }
    expect(state.text).toBe("");
    expect(state.model).toBe("vendor/model");
  });
});

describe("applyChunk on hostile chunks (property)", () => {
  it("never throws on any JSON a stream could carry, and only ever appends strings", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.array(fc.anything(), { maxLength: 4 }), (values, choices) => {
        const state = createStreamState("m");
        for (const value of [...values, { choices }, { choices: values }, { usage: values[0] ?? null }]) {
          const before = state.text;
          const delta = applyChunk(state, (value && typeof value === "object" ? value : { value }) as Chunk);
          expect(delta === undefined || typeof delta === "string").toBe(true);
          expect(state.text).toBe(before + (delta ?? ""));
          expect(Object.values(state.usage).every((n) => Number.isFinite(n) && n >= 0)).toBe(true);
        }
      }),
    );
  });
});
