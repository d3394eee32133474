/**
 * The example channel of docs/PLUGINS.md (test/fixtures/plugins/loopback), found by id through
 * BATON_PLUGIN_PATH by the real config loader and plugin loader, run by the real Gateway.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configuredChannels, Gateway } from "../../src/chat/gateway.js";
import { runtimeFromConfig } from "../../src/config/runtime.js";
import { waitFor } from "../support/wait.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "plugins");
const TOKEN = "loopback-secret-token-0123456789";

let previous: string | undefined;
beforeAll(() => {
  previous = process.env.BATON_PLUGIN_PATH;
  process.env.BATON_PLUGIN_PATH = FIXTURES;
});
afterAll(() => {
  if (previous === undefined) delete process.env.BATON_PLUGIN_PATH;
  else process.env.BATON_PLUGIN_PATH = previous;
});

function recordingLog() {
  const lines: string[] = [];
  const make = (scope: string): any => {
    const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push(`${level} [${scope}] ${msg} ${JSON.stringify(fields ?? {})}`);
    return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: (child: string) => make(child) };
  };
  return { log: make("gateway"), lines };
}

describe("the loopback example channel", () => {
  it("starts only when its section enables it", async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-loopback-"));
    try {
      expect(configuredChannels(await runtimeFromConfig(stateDir, {}))).toEqual(["console"]);
      expect(configuredChannels(await runtimeFromConfig(stateDir, { channels: { loopback: { enabled: true } } }))).toEqual(["loopback"]);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("exchanges a message through the real loader and gateway, keeps its state, masks its token, and closes its endpoint on stop", async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-loopback-"));
    const { log, lines } = recordingLog();
    let port = 0;
    const runtime = await runtimeFromConfig(stateDir, { channels: { loopback: { enabled: true, token: TOKEN, allowFrom: ["alice"] } } });
    const gateway = new Gateway({ runtime, log });
    try {
      await gateway.start();
      expect(gateway.channelStatus()).toMatchObject([{ channel: "loopback", state: "up" }]);
      const endpoint = JSON.parse(fs.readFileSync(path.join(stateDir, "channels", "loopback", "endpoint.json"), "utf8")) as { port: number };
      port = endpoint.port;
      const base = `http://127.0.0.1:${port}`;
      const auth = { authorization: `Bearer ${TOKEN}` };

      expect((await fetch(`${base}/messages`, { method: "POST", body: "{}" })).status).toBe(401);
      const posted = await fetch(`${base}/messages`, { method: "POST", headers: auth, body: JSON.stringify({ chatId: "c1", senderId: "alice", text: "/whoami" }) });
      expect(posted.status).toBe(202);

      // the reply is sent once the core has run the command; ask until it is there
      const sent = async () => {
        const replies = (await (await fetch(`${base}/replies`, { headers: auth })).json()) as { chatId: string; text: string }[];
        return replies.length > 0 && replies;
      };
      const replies = await waitFor(sent, { timeoutMs: 5000, intervalMs: 20, what: "the reply to /whoami" });
      expect(replies).toEqual([expect.objectContaining({ chatId: "c1", text: expect.stringContaining("id alice on loopback") })]);
      expect(JSON.parse(fs.readFileSync(path.join(stateDir, "channels", "loopback", "counter.json"), "utf8"))).toEqual({ next: 2 });
      expect(lines.join("\n")).toContain("loopback: listening");
      expect(lines.join("\n")).not.toContain(TOKEN);
    } finally {
      await gateway.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
    // the endpoint was an effect of the start attempt: the gateway closed it
    await expect(fetch(`http://127.0.0.1:${port}/replies`)).rejects.toThrow();
  });
});
