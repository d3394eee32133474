import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { loadConfigFile, parseConfigSource } from "./load.js";

const FILE = "/home/u/.baton/baton.json5";

function problemsOf(source: string, env: Record<string, string> = {}) {
  try {
    parseConfigSource(source, FILE, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfigSource", () => {
  it("accepts JSON5 comments, trailing commas and unquoted keys", () => {
    const { config } = parseConfigSource(`{\n  // the model\n  agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-5", }, }, },\n}`, FILE, {});
    expect(config.agents?.defaults?.model?.primary).toBe("anthropic/claude-sonnet-4-5");
  });

  it("reports a syntax error with file, line and column", () => {
    const err = problemsOf(`{\n  agents: {\n    defaults: { model: "x" \n  }\n  oops\n}`);
    expect(err.problems[0].line).toBeGreaterThan(1);
    expect(err.message).toMatch(new RegExp(`${FILE.replace(/\./g, "\\.")}:\\d+:\\d+: JSON5 syntax error`));
  });

  it("names the key path, expected and actual type, and the line of a schema error", () => {
    const err = problemsOf(`{\n  agents: {\n    defaults: {\n      model: { primary: 42 },\n    },\n  },\n}`);
    expect(err.message).toContain("agents.defaults.model.primary: expected string, got number");
    expect(err.problems.find((p) => p.keyPath === "agents.defaults.model.primary")?.line).toBe(4);
  });

  it("reports unknown keys with a did-you-mean suggestion", () => {
    const err = problemsOf(`{ chanels: {} }`);
    expect(err.message).toContain('chanels: unknown key (did you mean "channels"?)');
    const nested = problemsOf(`{ channels: { telegram: { botTokn: "x" } } }`);
    expect(nested.message).toContain('channels.telegram.botTokn: unknown key (did you mean "botToken"?)');
  });

  it("reports bad enum values with the allowed ones", () => {
    const err = problemsOf(`{ agents: { defaults: { models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "2h" } } } } } }`);
    expect(err.message).toContain('agents.defaults.models.anthropic/claude-opus-4-5.params.cacheControlTtl: expected one of "5m", "1h", got "2h"');
  });

  it("substitutes ${VAR} and names the key path of a missing variable", () => {
    const { config } = parseConfigSource(`{ channels: { telegram: { botToken: "\${TG_TOKEN}" } } }`, FILE, { TG_TOKEN: "123:abc" });
    expect(config.channels?.telegram?.botToken).toBe("123:abc");
    const err = problemsOf(`{\n channels: {\n  discord: { token: "\${DISCORD_SECRET}" } } }`);
    expect(err.message).toContain("channels.discord.token: environment variable DISCORD_SECRET is not set");
    expect(err.problems[0].line).toBe(3);
    expect(parseConfigSource(`{ env: { PRICE: "$$5" } }`, FILE, {}).config.env?.PRICE).toBe("$5");
  });

  it('migrates anthropic:claude-cli mode "token" to "oauth"', () => {
    const loaded = parseConfigSource(`{ auth: { profiles: { "anthropic:claude-cli": { provider: "anthropic", mode: "token" } } } }`, FILE, {});
    expect(loaded.config.auth?.profiles?.["anthropic:claude-cli"].mode).toBe("oauth");
    expect(loaded.migrations.map((m) => m.id)).toEqual(["claude-cli-mode-oauth"]);
    const other = parseConfigSource(`{ auth: { profiles: { "anthropic:manual": { provider: "anthropic", mode: "token" } } } }`, FILE, {});
    expect(other.config.auth?.profiles?.["anthropic:manual"].mode).toBe("token");
    expect(other.migrations).toEqual([]);
  });

  it("applies defaults in one place", () => {
    const { config } = parseConfigSource(`{ channels: { telegram: {} } }`, FILE, {});
    expect(config.channels?.telegram).toMatchObject({ enabled: true, requireMention: true, groupPolicy: "allowlist", dmPolicy: "pairing" });
  });
});

describe("loadConfigFile", () => {
  it("treats a missing file as an empty config", () => {
    const loaded = loadConfigFile(path.join(os.tmpdir(), "baton-no-such-dir", "baton.json5"), {});
    expect(loaded.exists).toBe(false);
    expect(loaded.config).toEqual({});
  });

  it("validates config.example.json5", () => {
    const example = path.resolve(__dirname, "../../config.example.json5");
    const loaded = loadConfigFile(example, { ANTHROPIC_API_KEY: "sk-ant-api03-example", TELEGRAM_BOT_TOKEN: "1:x", DISCORD_BOT_TOKEN: "x" });
    expect(loaded.exists).toBe(true);
    expect(fs.readFileSync(example, "utf8")).toContain("$schema");
  });
});
