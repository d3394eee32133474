import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { ProviderWarnings, withConsoleWarnings } from "./sdk-warnings.js";

describe("withConsoleWarnings", () => {
  it("collects console.warn during the call and puts console.warn back, also when the call throws", () => {
    const original = console.warn;
    const { value, warnings } = withConsoleWarnings(() => {
      console.warn("one", 2);
      return 42;
    });
    expect(value).toBe(42);
    expect(warnings).toEqual(["one 2"]);
    expect(console.warn).toBe(original);
    expect(() =>
      withConsoleWarnings(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(console.warn).toBe(original);
  });

  it("catches the real SDK's deprecation warning, printed synchronously by messages.create", async () => {
    const message = { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "hi" }], stop_reason: "end_turn", usage: { input_tokens: 1, output_tokens: 1 } };
    // the SDK's own fetch option: no socket, the real request code path
    const client = new Anthropic({ apiKey: "sk-ant-api03-test", maxRetries: 0, fetch: async () => new Response(JSON.stringify(message), { headers: { "content-type": "application/json" } }) });
    const { value, warnings } = withConsoleWarnings(() => client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }));
    await value;
    expect(warnings).toEqual([expect.stringMatching(/^The model 'claude-sonnet-4-5' is deprecated and will reach end-of-life on /)]);
    const current = withConsoleWarnings(() => client.messages.create({ model: "claude-opus-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }));
    await current.value;
    expect(current.warnings).toEqual([]);
  });
});

describe("ProviderWarnings", () => {
  it("logs each warning once per model, on one line", () => {
    const lines: [string, unknown][] = [];
    const warnings = new ProviderWarnings({ warn: (msg, fields) => lines.push([msg, fields]) });
    warnings.report("claude-sonnet-4-5", ["The model is deprecated\nPlease migrate."]);
    warnings.report("claude-sonnet-4-5", ["The model is deprecated\nPlease migrate."]);
    warnings.report("claude-sonnet-4-5-20250929", ["The model is deprecated\nPlease migrate."]);
    warnings.report("claude-opus-4-5", []);
    expect(lines).toEqual([
      ["provider warning for claude-sonnet-4-5: The model is deprecated Please migrate.", { model: "claude-sonnet-4-5" }],
      ["provider warning for claude-sonnet-4-5-20250929: The model is deprecated Please migrate.", { model: "claude-sonnet-4-5-20250929" }],
    ]);
  });

  it("stops remembering (and logging) past its bound", () => {
    let count = 0;
    const warnings = new ProviderWarnings({ warn: () => count++ }, 3);
    for (let i = 0; i < 10; i++) warnings.report(`m${i}`, ["w"]);
    expect(count).toBe(3);
  });
});
