import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentRuntime } from "../agents/runtime.js";
import { runtimeFromConfig } from "../config/runtime.js";
import { writeAuthStore, KEY_A, KEY_B } from "../../test/support/fixtures.js";
import { AlertWatcher, parseAlertTargets, type AlertTarget } from "./alerts.js";
import type { Logger } from "../plugin-api.js";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const dirs: string[] = [];
const runtimes: AgentRuntime[] = [];
afterEach(async () => {
  for (const agents of runtimes.splice(0)) await agents.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const rejected = {
  cooldownUntil: Date.now() + 30_000,
  errorCount: 1,
  failureCounts: { auth: 1 },
  lastFailure: { failureClass: "auth", at: Date.now(), message: "Anthropic API error 401 authentication_error: invalid x-api-key" },
};

async function setup(usageStats: Record<string, unknown>) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-alerts-"));
  dirs.push(stateDir);
  const runtime = await runtimeFromConfig(stateDir, {});
  writeAuthStore(runtime.paths.authStorePath("main"), { "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A }, "anthropic:b": { type: "api_key", provider: "anthropic", key: KEY_B } }, { usageStats });
  return { runtime, agents: track(new AgentRuntime(runtime)) };
}

function track(agents: AgentRuntime): AgentRuntime {
  runtimes.push(agents);
  return agents;
}

function watcher(agents: AgentRuntime, send: (target: AlertTarget, text: string) => Promise<void>) {
  return new AlertWatcher({ agents, agentIds: ["main"], targets: parseAlertTargets(["telegram:42"]), send, log: quiet });
}

describe("parseAlertTargets", () => {
  it("splits <channel>:<userId> at the first colon and drops malformed entries", () => {
    expect(parseAlertTargets(["telegram:123", "discord:456", "nocolon", ":1", "x:", "weird:a:b"])).toEqual([
      { channel: "telegram", userId: "123" },
      { channel: "discord", userId: "456" },
      { channel: "weird", userId: "a:b" },
    ]);
  });
});

describe("AlertWatcher", () => {
  it("alerts once per state change, remembers it in the state backend, and retries an alert nobody received", async () => {
    const { runtime, agents } = await setup({ "anthropic:a": rejected });
    const sent: string[] = [];
    let down = true;
    const send = async (_target: AlertTarget, text: string) => {
      if (down) throw new Error("channel down");
      sent.push(text);
    };
    const first = watcher(agents, send);
    await first.check();
    expect(sent).toEqual([]); // the channel was down: not remembered as sent
    down = false;
    await first.check();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain("profile anthropic:a (agent main) was rejected by anthropic (401: invalid x-api-key)");
    expect(sent[0]).not.toContain(KEY_A);
    await first.check();
    expect(sent).toHaveLength(1);
    await first.stop();

    // a new process (restart) reads what was alerted: nothing new to say
    const second = watcher(track(new AgentRuntime(runtime)), send);
    await second.check();
    expect(sent).toHaveLength(1);
    await second.stop();
  });

  it("a profile that recovers is re-armed silently and alerts again when rejected again", async () => {
    const { runtime, agents } = await setup({ "anthropic:a": rejected });
    const sent: string[] = [];
    const w = watcher(agents, async (_t, text) => void sent.push(text));
    await w.check();
    writeAuthStore(runtime.paths.authStorePath("main"), { "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A } }, { usageStats: {} });
    await w.check();
    expect(sent).toHaveLength(1);
    writeAuthStore(runtime.paths.authStorePath("main"), { "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A } }, { usageStats: { "anthropic:a": rejected } });
    await w.check();
    expect(sent).toHaveLength(2);
    await w.stop();
  });
});
