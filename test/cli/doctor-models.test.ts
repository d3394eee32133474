import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeAuthStore } from "../support/fixtures.js";
import { fakeSecret, freshHomeForEachTest, json, runBaton, writeJson, type CliHome } from "./helpers.js";

/** doctor and end of life (DESIGN §9): configured models, aliases, fallbacks and chats' /model choices. */

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

const KEY = fakeSecret("api-key");

function setUp(config: string): void {
  writeAuthStore(home.storePath(), { "anthropic:default": { type: "api_key", provider: "anthropic", key: KEY } });
  fs.writeFileSync(home.configPath, config, { mode: 0o600 });
}

const modelFindings = (report: any) => report.findings.filter((f: any) => f.check === "models");

describe("doctor: models past their end of life", () => {
  it("warns for a retired primary, fallback and allowlist alias, with the current model to use; notes one that retires later", async () => {
    setUp(`{ agents: { defaults: {
      model: { primary: "anthropic/claude-sonnet-4-5", fallbacks: ["anthropic/claude-opus-4-5", "anthropic/claude-haiku-5-5"] },
      models: { "anthropic/claude-opus-4-1": { alias: "old" }, "anthropic/claude-sonnet-4-5": {}, "anthropic/claude-opus-4-5": {}, "anthropic/claude-haiku-5-5": {} },
    } } }`);
    const result = await runBaton(home, ["doctor", "--json"]);
    const findings = modelFindings(json(result));
    expect(findings).toEqual([
      {
        check: "models",
        level: "warn",
        problem: false,
        message: "anthropic/claude-sonnet-4-5 is past its end of life (2026-11-30): requests to it fail. Used by agent main's default model, agents.defaults.models; use sonnet (anthropic/claude-sonnet-5-5).",
      },
      {
        check: "models",
        level: "info",
        problem: false,
        message: "anthropic/claude-opus-4-5 retires on 2027-01-22. Used by a fallback of agent main, agents.defaults.models; use opus (anthropic/claude-opus-5-5).",
      },
      {
        check: "models",
        level: "warn",
        problem: false,
        message: "anthropic/claude-opus-4-1 is past its end of life (2026-08-05): requests to it fail. Used by agents.defaults.models (alias old); use opus (anthropic/claude-opus-5-5).",
      },
    ]);
    const text = await runBaton(home, ["doctor"]);
    expect(text.stdout).toMatch(/warn\s+anthropic\/claude-sonnet-4-5 is past its end of life \(2026-11-30\)/);
  });

  it("warns for a chat whose /model choice is retired", async () => {
    setUp(`{ agents: { defaults: { model: "anthropic/claude-opus-5-5" } } }`);
    const sessions = path.join(home.stateDir, "agents", "main", "sessions");
    writeJson(path.join(sessions, `${encodeURIComponent("telegram:dm:1")}.json`), { key: "telegram:dm:1", modelOverride: "anthropic/claude-sonnet-4-5", history: [] });
    writeJson(path.join(sessions, `${encodeURIComponent("telegram:dm:2")}.json`), { key: "telegram:dm:2", modelOverride: "anthropic/claude-sonnet-4-5", history: [] });
    fs.writeFileSync(path.join(sessions, "broken.json"), "{ nope");
    const findings = modelFindings(json(await runBaton(home, ["doctor", "--json"])));
    expect(findings).toEqual([expect.objectContaining({ level: "warn", message: expect.stringContaining("Used by 2 chats of agent main (set with /model)") })]);
  });

  it("says nothing about current models; uses the provider's cached dates", async () => {
    setUp(`{ agents: { defaults: { model: "anthropic/claude-opus-5-5" } } }`);
    expect(modelFindings(json(await runBaton(home, ["doctor", "--json"])))).toEqual([]);
    writeJson(path.join(home.stateDir, "cache", "models-anthropic.json"), {
      version: 1,
      provider: "anthropic",
      fetchedAt: Date.now(),
      models: [{ id: "claude-opus-5-5", lifecycle: "deprecated", retiresAt: "2027-09-01T00:00:00Z" }],
    });
    expect(modelFindings(json(await runBaton(home, ["doctor", "--json"])))).toEqual([expect.objectContaining({ level: "info", message: expect.stringMatching(/^anthropic\/claude-opus-5-5 retires on 2027-09-01\. Used by agent main's default model\.$/) })]);
  });
});
