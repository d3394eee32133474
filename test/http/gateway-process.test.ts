/**
 * `baton gateway --http-port` as users run it: the built bin/baton with a Telegram channel on the
 * Telegram fake and the Anthropic fake. Needs `npm run build` first.
 */
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import { freePort } from "../support/net.js";
import {
  assertBuilt,
  defaultProfiles,
  KEY_A,
  makeProcessHome,
  processEnv,
  runBatonOnce,
  spawnBaton,
  writeAuthStore,
  writeConfigFile,
  type CliProcess,
  type ProcessHome,
} from "../e2e/telegram-helpers.js";
import { parseMetrics, sample } from "./rig.js";

const PAGE_TOKEN = "process-status-page-token-42";

let anthropic: FakeAnthropic;
let telegram: FakeTelegram;
let home: ProcessHome;
const started: CliProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  anthropic = await startFakeAnthropic();
  telegram = await startFakeTelegram();
  home = makeProcessHome();
  writeAuthStore(home.authStorePath, defaultProfiles());
});

afterEach(async (context) => {
  const failed = context.task.result?.state === "fail";
  for (const proc of started.splice(0)) {
    await proc.terminate(3000);
    if (failed) console.error(`output of the gateway process ${proc.pid}:\n${proc.stderr()}${proc.stdout()}`);
  }
});

afterAll(async () => {
  await telegram?.close();
  await anthropic?.close();
  home?.cleanup();
});

function config(http?: Record<string, unknown>) {
  writeConfigFile(home, { channels: { telegram: { botToken: telegram.token, apiRoot: telegram.url, dmPolicy: "open" } }, ...(http ? { gateway: { http } } : {}) });
}

const env = () => processEnv(home, { ANTHROPIC_BASE_URL: anthropic.url });

describe("baton gateway with the HTTP surface", () => {
  it("--http-port serves /healthz, /readyz and /metrics; no status page without a token; stops with the gateway", async () => {
    config();
    const port = await freePort();
    const proc = spawnBaton(["gateway", "--http-port", String(port)], env(), home.home);
    started.push(proc);
    await proc.waitForStderr(`HTTP on http://127.0.0.1:${port}`);
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", channels: [{ channel: "telegram", state: "up" }], providers: [{ provider: "anthropic", state: "usable" }] });
    const samples = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    expect(sample(samples, "baton_channel_up", { channel: "telegram" })).toBe(1);
    expect(sample(samples, "baton_auth_profile_usable", { agent: "main", profile: "anthropic:a" })).toBe(1);
    expect(sample(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect((await fetch(`${base}/?token=x`)).status).toBe(404);
    const exit = await proc.terminate();
    expect(exit.code).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it("gateway.http from the config: host, port and the token-guarded page", async () => {
    const port = await freePort();
    config({ port, host: "127.0.0.1", token: PAGE_TOKEN });
    const proc = spawnBaton(["gateway"], env(), home.home);
    started.push(proc);
    await proc.waitForStderr(`HTTP on http://127.0.0.1:${port}`);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    const page = await fetch(`${base}/`, { headers: { authorization: `Bearer ${PAGE_TOKEN}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("anthropic:a");
    expect(html).not.toContain(KEY_A);
    expect(proc.stderr()).not.toContain(PAGE_TOKEN);
  });

  it("a taken port fails the start (exit 1, saying which); a malformed --http-port is a usage error (exit 2)", async () => {
    config();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const taken = await runBatonOnce(["gateway", "--http-port", String(port)], env(), home.home);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`HTTP server on 127.0.0.1:${port}`);
      expect(taken.stderr).toContain("EADDRINUSE");
    } finally {
      blocker.close();
    }
    const malformed = await runBatonOnce(["gateway", "--http-port", "eighty"], env(), home.home);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("--http-port must be a port number");
  });
});
