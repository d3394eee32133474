import { createServer, type Server } from "node:net";
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeDiscord, startFakeDiscord } from "../../test/fakes/discord/index.js";
import { createDiscordPlugin, type DiscordChannel, type DiscordPluginOptions } from "./index.js";
import { createHarness, type Harness } from "./test-harness.js";

const GUILD = "300000000000000001";
const GENERAL = "300000000000000010";
const alice = { id: "200000000000000001", username: "alice" };

/** Short enough for tests, long enough for a healthy start against the fake on a busy machine. */
const START_TIMEOUT_MS = 1500;

let cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function fakeDiscord(): Promise<FakeDiscord> {
  const fake = await startFakeDiscord();
  fake.addGuild({ id: GUILD, channels: [{ id: GENERAL, name: "general", type: 0 }] });
  cleanups.push(() => fake.close());
  return fake;
}

function harnessFor(config: Record<string, unknown>): Harness {
  const harness = createHarness({ config: { commands: { native: false }, ...config } });
  cleanups.push(() => harness.cleanup());
  return harness;
}

function plugin(options: Partial<DiscordPluginOptions> = {}): DiscordChannel {
  const instance = createDiscordPlugin({ accountId: "default", startTimeoutMs: START_TIMEOUT_MS, ...options });
  cleanups.push(() => instance.stop());
  return instance;
}

/** Starts and expects a rejection; resolves with it and how long the attempt took. */
async function failedStart(instance: DiscordChannel, harness: Harness): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  const error = await instance.start(harness.ctx).then(
    () => new Error("start resolved"),
    (e: unknown) => e as Error,
  );
  expect(error.message).toMatch(/^discord: could not connect: /);
  return { error, ms: performance.now() - started };
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a start attempt is bounded and leaves nothing behind", () => {
  it("fails at once when the REST API refuses the token, never showing it, and a new instance can then connect", async () => {
    const fake = await fakeDiscord();
    const wrongToken = "MTIzNDU2Nzg5MDEyMzQ1Njc4.wrong.token-that-must-never-be-logged";
    const harness = harnessFor({ token: wrongToken, apiRoot: fake.apiRoot });
    const { error, ms } = await failedStart(plugin(), harness);
    expect(error.message).toContain("Discord refused the bot token (HTTP 401)");
    expect(ms).toBeLessThan(START_TIMEOUT_MS);
    expect(error.message + JSON.stringify(harness.logs)).not.toContain(wrongToken);
    expect(fake.gatewayConnections).toEqual([]);

    const retry = plugin();
    await retry.start(harnessFor({ token: fake.token, apiRoot: fake.apiRoot }).ctx);
    expect(fake.liveConnections).toBe(1);
  });

  it("fails at once when nothing listens at the REST address", async () => {
    const harness = harnessFor({ token: "some.bot.token", apiRoot: `http://127.0.0.1:${await closedPort()}/api` });
    const { error, ms } = await failedStart(plugin(), harness);
    expect(error.message).toMatch(/ECONNREFUSED|fetch failed/);
    expect(ms).toBeLessThan(START_TIMEOUT_MS);
  });

  it("gives up on a REST API that never answers within the start timeout, and ends the hung request rather than leave it to discord.js's retries", async () => {
    const fake = await fakeDiscord();
    fake.stallRest();
    const harness = harnessFor({ token: fake.token, apiRoot: fake.apiRoot });
    const { error, ms } = await failedStart(plugin(), harness);
    expect(error.message).toContain(`no connection within ${START_TIMEOUT_MS / 1000} s: no answer from the REST API (${fake.apiRoot})`);
    expect(ms).toBeGreaterThanOrEqual(START_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(START_TIMEOUT_MS + 1000);
    expect(fake.requests.map((r) => [r.method, r.path, r.status])).toEqual([["GET", "/gateway/bot", 0]]);
    // Left alone, discord.js would hold the request (and its timer) for 15 s, then retry it three times.
    await fake.waitFor(() => fake.requests[0].abandoned, 1000);
    await pause(300);
    expect(fake.requests).toHaveLength(1);
  });

  it.each(["refuse", "silent"] as const)("gives up on a gateway that meets it with a %s outage, and stops trying once it has", async (outage) => {
    const fake = await fakeDiscord();
    fake.gatewayOutage(outage);
    const harness = harnessFor({ token: fake.token, apiRoot: fake.apiRoot });
    const { error } = await failedStart(plugin(), harness);
    expect(error.message).toContain(`the REST API answered, the gateway (${fake.gatewayUrl}/) did not let a session start`);
    expect(fake.gatewayConnections.length).toBeGreaterThan(0);
    const attempts = fake.gatewayConnections.length;
    // discord.js retries a failed connection every ~0.5 s; a loop left behind would show by now
    await pause(800);
    expect(fake.gatewayConnections).toHaveLength(attempts);

    fake.gatewayOutage(undefined);
    const retry = plugin();
    await retry.start(harnessFor({ token: fake.token, apiRoot: fake.apiRoot }).ctx);
    expect(fake.liveConnections).toBe(1);
  });

  it.each([
    [4004, "4004 (authentication failed: Discord refused the bot token)"],
    [4014, "4014 (disallowed intents: enable the Message Content intent"],
  ])("fails before the timeout when the gateway closes IDENTIFY with %i", async (code, reason) => {
    const fake = await fakeDiscord();
    fake.closeOnIdentify(code);
    const harness = harnessFor({ token: fake.token, apiRoot: fake.apiRoot });
    const { error, ms } = await failedStart(plugin(), harness);
    expect(error.message).toContain(`gateway closed with ${reason}`);
    expect(ms).toBeLessThan(START_TIMEOUT_MS);
    expect(harness.failures).toEqual([]);
    await pause(700);
    expect(fake.gatewayConnections).toHaveLength(1);
    expect(fake.liveConnections).toBe(0);
  });

  it("ends the attempt as soon as ctx.signal aborts", async () => {
    const fake = await fakeDiscord();
    fake.stallRest();
    const harness = harnessFor({ token: fake.token, apiRoot: fake.apiRoot });
    const instance = plugin({ startTimeoutMs: 10_000 });
    const started = performance.now();
    const pending = instance.start(harness.ctx).catch((e: unknown) => e as Error);
    await fake.waitFor(() => fake.requests.length === 1);
    harness.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain("the gateway is stopping");
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("a connection lost for good after start", () => {
  it.each([
    [4004, /gateway closed with 4004 \(authentication failed/],
    [4014, /gateway closed with 4014 \(disallowed intents/],
  ])("is reported once through ctx.fail when the gateway closes with %i", async (code, reason) => {
    const fake = await fakeDiscord();
    const harness = harnessFor({ token: fake.token, apiRoot: fake.apiRoot });
    const instance = plugin();
    await instance.start(harness.ctx);
    fake.dropConnection({ code });
    const error = (await harness.waitForFailure()) as Error;
    expect(error.message).toMatch(reason);
    expect(harness.logs.some((l) => l.level === "error" && l.msg.includes("lost for good"))).toBe(true);
    await pause(700);
    expect(harness.failures).toHaveLength(1);
    expect(fake.liveConnections).toBe(0);

    // What the gateway does next: stop this instance and start a fresh one.
    await instance.stop();
    const fresh = plugin();
    const next = harnessFor({ token: fake.token, apiRoot: fake.apiRoot });
    await fresh.start(next.ctx);
    const id = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "still there?" });
    await next.waitForDispatch((m) => m.messageId === id);
    expect(harness.dispatched).toEqual([]);
  });

  it("is not reported for a resumable drop, which discord.js resumes", async () => {
    const fake = await fakeDiscord();
    const harness = harnessFor({ token: fake.token, apiRoot: fake.apiRoot });
    await plugin().start(harness.ctx);
    fake.dropConnection({ code: 4000 });
    await fake.waitFor(() => fake.resumes === 1 && fake.liveConnections === 1);
    const id = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "after the drop" });
    await harness.waitForDispatch((m) => m.messageId === id);
    expect(harness.failures).toEqual([]);
  });
});
