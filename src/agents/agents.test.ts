import { describe, expect, it } from "vitest";
import { fallbackModelRefs, defaultModelRef } from "../config/agents.js";
import { BatonConfig } from "../config/schema.js";
import { agentSettings } from "./agents.js";

describe("an agent's model and fallbacks: one answer for turns and models status", () => {
  const config = BatonConfig.parse({
    agents: {
      defaults: { model: { primary: "anthropic/claude-sonnet-4-5", fallbacks: ["anthropic/claude-haiku-4-5"] } },
      list: [{ id: "main", model: "claude-opus-4-5" }, { id: "solo", model: { primary: "anthropic/claude-opus-4-5", fallbacks: [] } }, { id: "plain" }],
    },
  });

  it.each([
    ["main", "anthropic/claude-opus-4-5", ["anthropic/claude-haiku-4-5"]],
    ["solo", "anthropic/claude-opus-4-5", []],
    ["plain", "anthropic/claude-sonnet-4-5", ["anthropic/claude-haiku-4-5"]],
  ])("%s", (agentId, primary, fallbacks) => {
    const settings = agentSettings(config, agentId);
    expect({ primary: settings.primary, fallbacks: settings.fallbacks }).toEqual({ primary, fallbacks });
    expect(defaultModelRef(config, agentId).replace(/^(?!anthropic\/)/, "anthropic/")).toBe(primary);
    expect(fallbackModelRefs(config, agentId)).toEqual(fallbacks);
  });
});
