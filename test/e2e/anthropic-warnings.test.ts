import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ResolvedCredential } from "../../src/auth/types.js";
import { createAnthropicProvider } from "../../src/providers/anthropic/index.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";

/** The SDK's deprecation warning reaches Baton's logger once per model, and never the console. */

const credential: ResolvedCredential = { profileId: "anthropic:default", provider: "anthropic", kind: "apiKey", secret: "sk-ant-api03-TESTKEY0123456789abcdefghijklmnop-wxyz", source: "profile" };
let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

describe("anthropic provider: SDK warnings", () => {
  it("logs a deprecated model once through the given logger and prints nothing raw", async () => {
    const logged: string[] = [];
    const provider = createAnthropicProvider({ baseUrl: fake.url, log: { warn: (msg) => logged.push(msg) } });
    const raw = vi.spyOn(console, "warn");
    try {
      for (let i = 0; i < 3; i++) {
        await provider.complete(credential, { model: "claude-sonnet-4-5", maxTokens: 16, messages: [{ role: "user", content: `hi ${i}` }] });
      }
      await provider.complete(credential, { model: "claude-opus-4-5", maxTokens: 16, messages: [{ role: "user", content: "hi" }] });
      expect(raw).not.toHaveBeenCalled();
    } finally {
      raw.mockRestore();
    }
    expect(logged).toEqual([expect.stringMatching(/^provider warning for claude-sonnet-4-5: The model 'claude-sonnet-4-5' is deprecated and will reach end-of-life on .+ Please migrate/)]);
    expect(fake.requests).toHaveLength(4);
  });
});
