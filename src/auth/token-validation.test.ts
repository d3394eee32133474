import { describe, expect, it } from "vitest";
import { validateSecret, type SecretKind } from "./token-validation.js";

const SETUP_TOKEN = `sk-ant-oat01-${"A1b2C3d4".repeat(10)}`; // 93 chars
const API_KEY = `sk-ant-api03-${"Zz9_Yy8-".repeat(12)}`; // 109 chars
const OPENROUTER = `sk-or-v1-${"0123456789abcdef".repeat(4)}`;

describe("validateSecret", () => {
  const accepted: { provider: string; kind: SecretKind; raw: string; type: string; value: string }[] = [
    { provider: "anthropic", kind: "setup-token", raw: SETUP_TOKEN, type: "token", value: SETUP_TOKEN },
    { provider: "anthropic", kind: "setup-token", raw: `  ${SETUP_TOKEN}\n`, type: "token", value: SETUP_TOKEN },
    { provider: "anthropic", kind: "api-key", raw: API_KEY, type: "api_key", value: API_KEY },
    { provider: "anthropic", kind: "credential", raw: `${SETUP_TOKEN}\r\n`, type: "token", value: SETUP_TOKEN },
    { provider: "anthropic", kind: "credential", raw: API_KEY, type: "api_key", value: API_KEY },
    { provider: "openrouter", kind: "credential", raw: OPENROUTER, type: "api_key", value: OPENROUTER },
    { provider: "openrouter", kind: "credential", raw: "or-compatible-proxy-key-0001", type: "api_key", value: "or-compatible-proxy-key-0001" },
    { provider: "openrouter", kind: "api-key", raw: OPENROUTER, type: "api_key", value: OPENROUTER },
  ];
  it.each(accepted)("accepts $provider $kind ($type)", ({ provider, kind, raw, type, value }) => {
    expect(validateSecret(provider, kind, raw)).toEqual({ ok: true, type, value });
  });

  const refused: { name: string; provider: string; kind: SecretKind; raw: string; problem: RegExp }[] = [
    { name: "empty", provider: "anthropic", kind: "credential", raw: "", problem: /empty/ },
    { name: "only whitespace", provider: "anthropic", kind: "api-key", raw: " \n\t", problem: /empty/ },
    { name: "pasted line break inside", provider: "anthropic", kind: "setup-token", raw: `${SETUP_TOKEN.slice(0, 40)}\n${SETUP_TOKEN.slice(40)}`, problem: /whitespace at character 41 .*line break/ },
    { name: "space inside", provider: "openrouter", kind: "credential", raw: `${OPENROUTER.slice(0, 10)} ${OPENROUTER.slice(10)}`, problem: /whitespace/ },
    { name: "setup-token with the wrong prefix", provider: "anthropic", kind: "setup-token", raw: API_KEY, problem: /starts with "sk-ant-oat01-"/ },
    { name: "setup-token too short", provider: "anthropic", kind: "setup-token", raw: SETUP_TOKEN.slice(0, 60), problem: /60 characters; .* at least 80/ },
    { name: "pasted setup-token cut short", provider: "anthropic", kind: "credential", raw: SETUP_TOKEN.slice(0, 79), problem: /at least 80/ },
    { name: "API key without sk-ant-", provider: "anthropic", kind: "api-key", raw: "ant-api03-" + "x".repeat(60), problem: /starts with "sk-ant-"/ },
    { name: "API key too short", provider: "anthropic", kind: "api-key", raw: API_KEY.slice(0, 30), problem: /30 characters; .* at least 40/ },
    { name: "setup-token given as an API key", provider: "anthropic", kind: "api-key", raw: SETUP_TOKEN, problem: /setup-token .*not an API key/ },
    { name: "not an Anthropic credential at all", provider: "anthropic", kind: "credential", raw: OPENROUTER, problem: /starts with "sk-ant-"/ },
    { name: "truncated with an ellipsis", provider: "anthropic", kind: "api-key", raw: `${API_KEY.slice(0, 50)}…`, problem: /truncated/ },
    { name: "truncated with three dots", provider: "openrouter", kind: "credential", raw: `${OPENROUTER.slice(0, 30)}...`, problem: /truncated/ },
    { name: "a masked display pasted back", provider: "anthropic", kind: "credential", raw: "sk-ant-a…wxyz", problem: /truncated|masked/ },
    { name: "masked display with the ellipsis inside", provider: "anthropic", kind: "credential", raw: `sk-ant-a…${"w".repeat(50)}`, problem: /masked display/ },
    { name: "too short for another provider", provider: "mistral", kind: "credential", raw: "ms-abc", problem: /too short/ },
    { name: "setup-token for another provider", provider: "openrouter", kind: "setup-token", raw: OPENROUTER, problem: /anthropic/ },
    { name: "an Anthropic key pasted for OpenRouter", provider: "openrouter", kind: "credential", raw: API_KEY, problem: /Anthropic credential .*not an OpenRouter key/ },
    { name: "an OpenRouter key cut short", provider: "openrouter", kind: "credential", raw: OPENROUTER.slice(0, 30), problem: /30 characters; .* at least 40/ },
  ];
  it.each(refused)("refuses: $name", ({ provider, kind, raw, problem }) => {
    const result = validateSecret(provider, kind, raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatch(problem);
    expect(result.problem).toMatch(/Nothing was saved\.$/);
  });

  it("never echoes the whole value in a refusal", () => {
    const secrets = [API_KEY.slice(0, 39), `${API_KEY}…`, SETUP_TOKEN.slice(0, 79), `${SETUP_TOKEN.slice(0, 50)}\n${SETUP_TOKEN.slice(50)}`, OPENROUTER + "..."];
    for (const raw of secrets) {
      const result = validateSecret("anthropic", "credential", raw);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.problem).not.toContain(raw.trim());
        expect(result.problem).not.toContain(raw.trim().slice(0, 20));
      }
    }
  });
});
