import { describe, expect, it } from "vitest";
import { BatonConfig } from "../config/schema.js";
import { createProvider, providerBaseUrl, providerEntry, providerIds, providerLabel, providerSettings } from "./registry.js";

const config = (providers: Record<string, unknown> = {}) => BatonConfig.parse({ models: { providers } });

describe("provider registry", () => {
  it("knows anthropic and openrouter with their variables", () => {
    expect(providerIds()).toEqual(["anthropic", "openrouter"]);
    expect(providerEntry("openrouter")).toMatchObject({ label: "OpenRouter", baseUrlEnv: "OPENROUTER_BASE_URL", apiKeyEnv: "OPENROUTER_API_KEY" });
    expect(providerEntry("openai")).toBeUndefined();
    expect(providerLabel("anthropic")).toBe("Anthropic");
    expect(providerLabel("mistral")).toBe("mistral");
  });

  it.each([
    ["openrouter", {}, {}, "https://openrouter.ai/api/v1"],
    ["openrouter", {}, { OPENROUTER_BASE_URL: "http://127.0.0.1:9/api/v1" }, "http://127.0.0.1:9/api/v1"],
    ["openrouter", { openrouter: { baseUrl: "http://proxy.local/v1" } }, { OPENROUTER_BASE_URL: "http://127.0.0.1:9/api/v1" }, "http://proxy.local/v1"],
    ["openrouter", {}, { OPENROUTER_BASE_URL: "  " }, "https://openrouter.ai/api/v1"],
    ["anthropic", {}, { ANTHROPIC_BASE_URL: "http://127.0.0.1:8" }, "http://127.0.0.1:8"],
    ["anthropic", { openrouter: { baseUrl: "http://proxy.local/v1" } }, {}, "https://api.anthropic.com"],
    ["openai", {}, {}, undefined],
  ])("base URL of %s with config %j and env %j is %s", (id, providers, env, url) => {
    expect(providerBaseUrl(id, config(providers), env)).toBe(url);
  });

  it("hands configured headers and timeout to the factory", () => {
    expect(providerSettings("openrouter", config({ openrouter: { headers: { "X-Title": "Mine" }, timeoutMs: 5000 } }), {})).toEqual({
      baseUrl: "https://openrouter.ai/api/v1",
      headers: { "X-Title": "Mine" },
      timeoutMs: 5000,
    });
  });

  it("creates a provider only for a known id", async () => {
    expect(await createProvider("openai", config(), {})).toBeUndefined();
    expect((await createProvider("openrouter", config(), {}))?.id).toBe("openrouter");
  });
});
