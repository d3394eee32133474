import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeOpenRouter, type FakeOpenRouter } from "../fakes/openrouter/index.js";
import { dm, KEY_A, startHarness, type Harness } from "./harness.js";

/**
 * Failover across providers (DESIGN §12), end to end through the router, the real resolver and
 * both real providers: the Anthropic fake and the OpenRouter fake, each driven by its own SDK.
 */

const OR_KEY = `sk-or-v1-${"0123456789abcdef".repeat(4)}`;
const OR_MODEL = "openrouter/anthropic/claude-opus-4.5";

let h: Harness | undefined;
let openrouter: FakeOpenRouter | undefined;
afterEach(async () => {
  await h?.close();
  await openrouter?.close();
  h = undefined;
  openrouter = undefined;
});

function storedStats(harness: Harness) {
  return JSON.parse(fs.readFileSync(harness.storePath, "utf8")).usageStats ?? {};
}

/** One Anthropic key (anthropic:a) and one OpenRouter key (openrouter:default); OpenRouter as the fallback unless `fallbacks` says otherwise. */
async function start(options: { fallbacks?: string[] } = {}): Promise<Harness> {
  openrouter = await startFakeOpenRouter();
  h = await startHarness({
    profiles: {
      "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A },
      "openrouter:default": { type: "api_key", provider: "openrouter", key: OR_KEY },
    },
    config: { agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5", fallbacks: options.fallbacks ?? [OR_MODEL] } } } },
    env: { OPENROUTER_BASE_URL: openrouter.url },
  });
  return h;
}

describe("fallbacks across providers", () => {
  it("with the only Anthropic key failing 401, the turn is answered through OpenRouter, which gets the whole conversation", async () => {
    const harness = await start();
    harness.fake.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    const reply = await harness.say("hello across");
    expect(reply).toBe("echo: hello across\n\n(Answered by anthropic/claude-opus-4.5 — claude-opus-4-5 was unavailable.)");
    expect(harness.turns.at(-1)).toMatchObject({ ok: true, model: OR_MODEL, profileId: "openrouter:default" });
    expect(harness.turns.at(-1)?.attempts.map((a) => [a.profileId, a.failureClass])).toEqual([
      ["anthropic:a", "auth"],
      ["openrouter:default", undefined],
    ]);
    const sent = openrouter!.requests.at(-1)!;
    expect(sent.credential).toBe(OR_KEY);
    expect(sent.body).toMatchObject({ model: "anthropic/claude-opus-4.5", stream: true, messages: [{ role: "system" }, { role: "user", content: "hello across" }] });
    expect(storedStats(harness)["anthropic:a"].cooldownUntil).toBeGreaterThan(Date.now());

    // the next turn skips the rejected Anthropic key without a request, and OpenRouter sees the history
    const anthropicCalls = harness.fake.requests.length;
    expect(await harness.say("and again")).toContain("echo: and again");
    expect(harness.fake.requests.length).toBe(anthropicCalls);
    expect((openrouter!.requests.at(-1)!.body as { messages: { role: string }[] }).messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(storedStats(harness)["openrouter:default"].lastUsed).toBeGreaterThan(0);
  });

  it("each provider has its own profiles and cooldowns: an OpenRouter 429 cools down only openrouter:default on its model", async () => {
    const harness = await start();
    harness.fake.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    openrouter!.script(OR_KEY, { error: { status: 429, message: "Rate limit exceeded" }, retryAfterSeconds: 90 });
    const reply = await harness.say("hi");
    expect(reply).toContain("rate-limited by OpenRouter");
    const stats = storedStats(harness);
    expect(stats["openrouter:default"].modelCooldowns["anthropic/claude-opus-4.5"].until - Date.now()).toBeGreaterThan(80_000);
    expect(stats["anthropic:a"].lastFailure.failureClass).toBe("auth");
  });

  it("a 402 from OpenRouter disables the profile like billing does for Anthropic", async () => {
    const harness = await start();
    harness.fake.script(KEY_A, { error: { status: 429, type: "rate_limit_error", message: "rate limited" }, retryAfterSeconds: 60 });
    openrouter!.script(OR_KEY, { error: { status: 402, message: "Insufficient credits. Add more using https://openrouter.ai/credits" } });
    const reply = await harness.say("hi");
    expect(reply).toContain("Insufficient credits");
    expect(reply).toContain("Add credits at https://openrouter.ai/settings/credits");
    const stats = storedStats(harness)["openrouter:default"];
    expect(stats.disabledReason).toBe("billing");
    expect(stats.disabledUntil - Date.now()).toBeGreaterThan(60 * 60_000);
    // a later turn does not spend a request on the disabled profile
    const calls = openrouter!.requests.length;
    await harness.say("still there?");
    expect(openrouter!.requests.length).toBe(calls);
    expect(await harness.say("/model status")).toMatch(/Model: anthropic\/claude-opus-4-5/);
  });

  it("/model status shows the fallback's provider and credential next to the primary's", async () => {
    const harness = await start();
    const status = await harness.say("/model status");
    expect(status).toContain("Endpoint: " + harness.fake.url);
    expect(status).toContain("Fallbacks, in order, when no profile above can answer:");
    expect(status).toContain(`${OR_MODEL}: openrouter:default (api_key, sk-or-v1…cdef) ok via ${openrouter!.url}`);
    await harness.say(`/model opus@anthropic:a`);
    expect(await harness.say("/model status")).toContain("Fallbacks (not used while a profile is pinned):");
  });

  it("OPENROUTER_API_KEY serves when no OpenRouter profile is stored", async () => {
    openrouter = await startFakeOpenRouter();
    h = await startHarness({
      profiles: { "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A } },
      config: { agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5", fallbacks: [OR_MODEL] } } } },
      env: { OPENROUTER_BASE_URL: openrouter.url, OPENROUTER_API_KEY: OR_KEY },
    });
    h.fake.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    expect(await h.say("via env")).toContain("echo: via env");
    expect(h.turns.at(-1)).toMatchObject({ ok: true, profileId: "env:OPENROUTER_API_KEY" });
    expect(openrouter.requests.at(-1)!.credential).toBe(OR_KEY);
  });
});

describe("/model with OpenRouter ids", () => {
  it("a session pinned to openrouter:default uses it, even while the primary works", async () => {
    const harness = await start({ fallbacks: [] });
    const set = await harness.say(`/model ${OR_MODEL}@openrouter:default`);
    expect(set).toBe(`Model set to ${OR_MODEL}, pinned to profile openrouter:default for this chat.`);
    expect(await harness.say("pinned hello")).toBe("echo: pinned hello");
    expect(harness.turns.at(-1)).toMatchObject({ ok: true, model: OR_MODEL, profileId: "openrouter:default" });
    expect(harness.fake.requests).toHaveLength(0);
    const status = await harness.say("/model status");
    expect(status).toContain(`Model: ${OR_MODEL} (session)`);
    expect(status).toContain("Pinned profile: openrouter:default");
    expect(status).toContain(`Endpoint: ${openrouter!.url}`);
    expect(status).toContain("openrouter:default (api_key, sk-or-v1…cdef) ok");
    expect(status).not.toContain(OR_KEY);
  });

  it("a pinned OpenRouter profile's failure is reported, never replaced by another credential", async () => {
    const harness = await start();
    await harness.say(`/model ${OR_MODEL}@openrouter:default`);
    openrouter!.script(OR_KEY, { midStreamError: { code: "server_error", message: "Provider disconnected" }, afterText: "par" });
    openrouter!.setDefault({ midStreamError: { code: "server_error", message: "Provider disconnected" } });
    const reply = await harness.say("hi");
    expect(reply).toContain("OpenRouter is overloaded right now");
    expect(reply).toContain("Provider disconnected");
    expect(harness.fake.requests).toHaveLength(0);
  });

  it("refuses to pin an OpenRouter profile to an Anthropic model, and an unknown OpenRouter profile", async () => {
    const harness = await start();
    expect(await harness.say("/model opus@openrouter:default")).toMatch(/Profile openrouter:default is for openrouter, but anthropic\/claude-opus-5-5 uses anthropic/);
    expect(await harness.say(`/model ${OR_MODEL}@openrouter:other`)).toContain("No credentials found for profile openrouter:other");
  });

  it("the agent's OpenRouter fallback is listed, offered by autocomplete, and found by its vendor id", async () => {
    const harness = await start();
    expect(await harness.say("/model list")).toContain(OR_MODEL);
    expect(await harness.say("/model anthropic/claude-opus-4.5")).toBe(`Model set to ${OR_MODEL} for this chat.`);
    const choices = await harness.gateway.router.complete({ command: "model", arg: "model", value: "claude-opus-4.5", message: dm("") });
    expect(choices.map((c) => c.value)).toContain(OR_MODEL);
    const profiles = await harness.gateway.router.complete({ command: "model", arg: "profile", value: "", message: dm("") });
    // the chat now uses OpenRouter: its profiles first
    expect(profiles.map((c) => c.value)).toEqual(["openrouter:default", "anthropic:a"]);
  });
});
