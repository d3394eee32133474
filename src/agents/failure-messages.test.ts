import { describe, expect, it } from "vitest";
import { credentialRefOf, failureAdvice } from "./failure-messages.js";

describe("failureAdvice: a rejected credential gets advice for its type", () => {
  const detail = "Anthropic API error 401 authentication_error: invalid x-api-key";

  it("an API key: a new key from the Console, pasted for that profile", () => {
    const text = failureAdvice("auth", { profileId: "anthropic:default", provider: "anthropic", type: "api_key" }, detail);
    expect(text).toContain("Anthropic rejected the API key of profile anthropic:default");
    expect(text).toContain("Create a new key in the Anthropic Console, then `baton models auth paste-token --provider anthropic --profile-id anthropic:default`.");
    expect(text).not.toMatch(/setup-token|subscription/);
  });

  it.each(["token", "oauth"] as const)("a %s: the seeds' setup-token advice", (type) => {
    const text = failureAdvice("auth", { profileId: "anthropic:claude-cli", provider: "anthropic", type }, detail);
    expect(text).toContain("Claude subscription auth can expire or be revoked: re-run `claude setup-token` and paste it on the gateway host");
    expect(text).toContain("`baton models auth paste-token --provider anthropic --profile-id anthropic:claude-cli`");
    expect(text).not.toContain("Anthropic Console");
  });

  it("an environment key: a new key in the variable", () => {
    const text = failureAdvice("auth", { profileId: "env:ANTHROPIC_API_KEY", provider: "anthropic", type: "env" }, detail);
    expect(text).toContain("Create a new key in the Anthropic Console and set it as ANTHROPIC_API_KEY");
  });

  it.each(["api_key", "token", "oauth"] as const)("a %s only authorized for Claude Code: use an API key", (type) => {
    const text = failureAdvice("auth", { profileId: "anthropic:x", provider: "anthropic", type }, "This credential is only authorized for use with Claude Code and cannot be used for other API requests.");
    expect(text).toContain("Use an Anthropic API key instead");
  });

  it("the turn path knows the type from the resolved credential", () => {
    expect(credentialRefOf({ profileId: "anthropic:a", provider: "anthropic", kind: "apiKey", source: "profile" }).type).toBe("api_key");
    expect(credentialRefOf({ profileId: "anthropic:t", provider: "anthropic", kind: "authToken", source: "profile" }).type).toBe("token");
    expect(credentialRefOf({ profileId: "env:ANTHROPIC_API_KEY", provider: "anthropic", kind: "apiKey", source: "env" }).type).toBe("env");
  });
});

describe("failureAdvice: the provider that failed is named, with its own places", () => {
  const openrouter = { profileId: "openrouter:default", provider: "openrouter", type: "api_key" } as const;
  it.each([
    ["auth", "OpenRouter rejected the API key of profile openrouter:default", "https://openrouter.ai/settings/keys"],
    ["billing", "Add credits at https://openrouter.ai/settings/credits", "switch to another profile"],
    ["rate_limit", "rate-limited by OpenRouter", "add another OpenRouter profile"],
    ["overloaded", "OpenRouter is overloaded", ""],
    ["timeout", "The connection to OpenRouter failed", ""],
    ["request", "OpenRouter refused the request", ""],
  ] as const)("%s", (failureClass, first, second) => {
    const text = failureAdvice(failureClass, openrouter, "detail");
    expect(text).toContain(first);
    expect(text).toContain(second);
    expect(text).not.toMatch(/Anthropic|setup-token/);
  });
});
