import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.js";
import { dm, KEY_A, KEY_B, startHarness, type Harness } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function storedStats(h: Harness) {
  return JSON.parse(fs.readFileSync(h.storePath, "utf8")).usageStats ?? {};
}

describe("agent turns through the router", () => {
  it("answers a DM, remembers the conversation and records usage", async () => {
    h = await startHarness();
    expect(await h.say("hello there")).toBe("echo: hello there");
    expect(await h.say("second")).toBe("echo: second");
    const last = h.fake.requests[h.fake.requests.length - 1].body as any;
    expect(last.messages.map((m: any) => m.role)).toEqual(["user", "assistant", "user"]);
    const status = await h.say("/status");
    expect(status).toContain("2 turns");
    expect(status).toContain("telegram:dm:100");
  });

  it("fails over to the next profile after a 401 and puts the first in cooldown", async () => {
    h = await startHarness();
    h.fake.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    expect(await h.say("hi")).toBe("echo: hi");
    expect(h.turns[0]).toMatchObject({ ok: true, profileId: "anthropic:b" });
    expect(storedStats(h)["anthropic:a"].cooldownUntil).toBeGreaterThan(Date.now());
    // next turn starts with b: a is in cooldown
    await h.say("again");
    expect(h.fake.requests[h.fake.requests.length - 1].credential).toBe(KEY_B);
    // /model status says why: rejected, with the time until Baton tries it again
    expect(await h.say("/model status")).toMatch(/anthropic:a \(api_key[^)]*\) rejected \(auth\) for (29|30)s/);
  });

  it("puts a 429 profile in a (profile, model) cooldown honouring retry-after", async () => {
    h = await startHarness();
    h.fake.script(KEY_A, { error: { status: 429, type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" }, retryAfterSeconds: 120 });
    expect(await h.say("hi")).toBe("echo: hi");
    const model = storedStats(h)["anthropic:a"].modelCooldowns["claude-opus-4-5"];
    expect(model.until - Date.now()).toBeGreaterThan(100_000);
    expect(storedStats(h)["anthropic:a"].cooldownUntil ?? 0).toBeLessThanOrEqual(Date.now());
  });

  it("tells the user plainly when every profile fails, with the seed's advice", async () => {
    h = await startHarness();
    for (const key of [KEY_A, KEY_B]) h.fake.script(key, { error: { status: 402, type: "billing_error", message: "Your credit balance is too low to access the Anthropic API." } });
    const reply = await h.say("hi");
    expect(reply).toContain("credit balance is too low");
    expect(reply).toContain("No available auth profile");
    expect(reply).not.toMatch(/\bat .*\.js:\d+/);
    expect(reply).not.toContain(KEY_A);
  });

  it("without any credential answers with the onboarding advice", async () => {
    h = await startHarness({ profiles: {} });
    const reply = await h.say("hi");
    expect(reply).toContain('No API key found for provider "anthropic"');
    expect(reply).toContain("baton onboard");
  });

  it("a request error is reported without trying other profiles", async () => {
    h = await startHarness();
    h.fake.script(KEY_A, { error: { status: 400, type: "invalid_request_error", message: "prompt is too long" } });
    const reply = await h.say("hi");
    expect(reply).toContain("prompt is too long");
    expect(h.fake.requests.every((r) => r.credential === KEY_A)).toBe(true);
  });
});

describe("/model", () => {
  it("lists, switches, pins and goes back to the default", async () => {
    h = await startHarness();
    expect(await h.say("/model list")).toContain("opus");
    expect(await h.say("/model sonnet")).toContain("Model set to sonnet (anthropic/claude-sonnet-5-5)");
    await h.say("hi");
    expect((h.fake.requests.at(-1)!.body as any).model).toBe("claude-sonnet-5-5");

    expect(await h.say("/model haiku@anthropic:b")).toContain("pinned to profile anthropic:b");
    await h.say("pinned call");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_B);
    expect((h.fake.requests.at(-1)!.body as any).model).toBe("claude-haiku-5-5");

    const show = await h.say("/model");
    expect(show).toContain("haiku");
    expect(show).toContain("anthropic:b");

    expect(await h.say("/model default")).toContain("Back to the default model");
    await h.say("default call");
    expect((h.fake.requests.at(-1)!.body as any).model).toBe("claude-opus-4-5");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_A);
  });

  it("accepts a misspelling, refuses unknown and ambiguous names", async () => {
    h = await startHarness();
    expect(await h.say("/model sonet")).toContain("Model set to sonnet");
    expect(await h.say("/model gpt-5")).toContain('Unknown model "gpt-5"');
    const ambiguous = await h.say("/model claude");
    expect(ambiguous).toContain("matches several models");
    expect(await h.say("/model ../../etc/passwd")).toContain("Unknown model");
    expect(await h.say(`/model ${"x".repeat(500)}`)).toContain("too long");
  });

  it("refuses unknown profiles and profiles of another provider", async () => {
    h = await startHarness();
    expect(await h.say("/model opus@anthropic:nope")).toContain("No credentials found for profile anthropic:nope");
    expect(await h.say("/model opus@openrouter:default")).toContain("is for openrouter");
    expect(await h.say("/model opus@")).toContain("Missing profile");
  });

  it("lets only allowed senders pin; refuses plainly in DMs and silently in groups, changing nothing", async () => {
    h = await startHarness({ config: { commands: { allowFrom: ["telegram:100"] }, auth: { profiles: { "anthropic:b": { provider: "anthropic", mode: "api_key", allowedUsers: ["100"] } } } } });
    expect(await h.say("/model opus@anthropic:b", { senderId: "200", chatId: "200" })).toContain("not allowed");
    const groupReply = await h.say("/model opus@anthropic:b", { senderId: "200", chatKind: "group", chatId: "-5" });
    expect(groupReply).toBe("");
    expect(await h.say("/model", { senderId: "200", chatId: "200" })).toContain("Profile: automatic");
    expect(await h.say("/model opus@anthropic:b")).toContain("pinned");
    const quoted = await h.say(`/model opus@anthropic:${"x".repeat(150)}`, { senderId: "200", chatId: "200" });
    expect(quoted.length).toBeLessThan(120);
  });

  it("a pinned profile is used even in cooldown, and its failure is reported, not replaced", async () => {
    h = await startHarness();
    await h.say("/model opus@anthropic:a");
    h.fake.script(KEY_A, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    const reply = await h.say("hi");
    expect(reply).toContain("anthropic:a");
    expect(h.fake.requests.some((r) => r.credential === KEY_B)).toBe(false);
    // still pinned, still tried although now in cooldown
    await h.say("again");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_A);
  });

  it("/model status shows order, cooldowns and endpoint, masked", async () => {
    h = await startHarness();
    h.fake.script(KEY_A, { error: { status: 429, type: "rate_limit_error", message: "slow down" }, retryAfterSeconds: 300 });
    await h.say("hi");
    const status = await h.say("/model status");
    expect(status).toContain("anthropic:a");
    expect(status).toContain("anthropic:b");
    expect(status).toContain("Next credential: anthropic:b");
    expect(status).toContain(h.fake.url);
    expect(status).toMatch(/sk-ant-a…AAAA/);
    for (const key of [KEY_A, KEY_B]) expect(status).not.toContain(key);
  });

  it("a thread inherits its parent channel's model until it sets its own", async () => {
    h = await startHarness({ config: { channels: { discord: { requireMention: false } } } });
    const parent = { channel: "discord", chatKind: "channel" as const, chatId: "C1", guildId: "G1", senderId: "7" };
    const thread = { ...parent, chatId: "T1", parentChatId: "C1" };
    await h.say("/model sonnet", parent);
    await h.say("in thread", thread);
    expect((h.fake.requests.at(-1)!.body as any).model).toBe("claude-sonnet-5-5");
    await h.say("/model haiku", thread);
    await h.say("in thread again", thread);
    expect((h.fake.requests.at(-1)!.body as any).model).toBe("claude-haiku-5-5");
    await h.say("in parent", parent);
    expect((h.fake.requests.at(-1)!.body as any).model).toBe("claude-sonnet-5-5");
  });
});

describe("access and queueing", () => {
  it("refuses DMs from senders not in allowFrom and ignores unmentioned group messages", async () => {
    h = await startHarness({ config: { channels: { telegram: { allowFrom: ["100"], dmPolicy: "allowlist" } } } });
    expect(await h.say("hi", { senderId: "999", chatId: "999" })).toContain("not allowed");
    expect(await h.say("hi group", { chatKind: "group", chatId: "-1", mentioned: false })).toBe("");
    expect(await h.say("hi group", { chatKind: "group", chatId: "-1", mentioned: true })).toBe("echo: hi group");
    expect(h.fake.requests).toHaveLength(1);
  });

  it("runs one turn at a time per session, in order, and /stop aborts the run", async () => {
    h = await startHarness();
    h.fake.script(KEY_A, { hang: true });
    const first = await h.gateway.router.handle(h.plugin, dm("slow one"));
    const second = await h.gateway.router.handle(h.plugin, dm("queued"));
    expect(first.kind).toBe("queued");
    expect(second.kind).toBe("queued");
    await waitFor(() => h.fake.requests.length >= 1, { what: "the first Anthropic request" });
    expect(await h.say("/stop")).toContain("Stopped. 1 queued message dropped.");
    expect(first.kind === "queued" && (await first.done)).toBe("done");
    expect(second.kind === "queued" && (await second.done)).toBe("done");
    expect(h.fake.requests).toHaveLength(1);
    expect(await h.say("after stop")).toBe("echo: after stop");
  });

  it("a shutdown abandons runs in flight and queued messages silently, so a channel can replay them", async () => {
    h = await startHarness();
    h.fake.script(KEY_A, { hang: true });
    const running = await h.gateway.router.handle(h.plugin, dm("in flight"));
    const waiting = await h.gateway.router.handle(h.plugin, dm("waiting"));
    await waitFor(() => h.fake.requests.length >= 1, { what: "the first Anthropic request" });
    await h.gateway.stop();
    expect(running.kind === "queued" && (await running.done)).toBe("abandoned");
    expect(waiting.kind === "queued" && (await waiting.done)).toBe("abandoned");
    expect(h.plugin.sent).toEqual([]);
    // a message arriving while the gateway stops is not handled now, to be offered again later
    expect(await h.gateway.router.handle(h.plugin, dm("too late"))).toEqual({ kind: "abandoned" });
  });

  it("tells the user when a message is dropped because the queue is full", async () => {
    h = await startHarness({ config: { gateway: { queue: { maxPending: 1 } } } });
    h.fake.script(KEY_A, { reply: "slow", delayMs: 200, chunks: 2 });
    const results = [];
    for (const text of ["one", "two", "three"]) results.push(await h.gateway.router.handle(h.plugin, dm(text)));
    expect(results.map((r) => r.kind)).toEqual(["queued", "queued", "dropped"]);
    expect(h.plugin.last()).toContain('this one was dropped: "three"');
    for (const r of results) if (r.kind === "queued") await r.done;
    expect(h.plugin.texts()).toContain("echo: two");
  });

  it("splits long replies at the channel limit without losing text", async () => {
    h = await startHarness({ limits: { maxMessageLength: 120, canEdit: false, nativeCommands: false, format: "plain" } });
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    h.fake.script(KEY_A, { reply: long });
    await h.say("long please");
    const parts = h.plugin.texts();
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(120);
    expect(parts.join(" ").split(/\s+/).filter(Boolean)).toEqual(long.split(" "));
  });
});

describe("agents, bindings and fallbacks", () => {
  it("tries the fallback model when every profile is rate-limited on the primary", async () => {
    h = await startHarness({ config: { agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5", fallbacks: ["anthropic/claude-sonnet-4-5"] } } } } });
    for (const key of [KEY_A, KEY_B]) h.fake.script(key, { error: { status: 429, type: "rate_limit_error", message: "rate limited" }, retryAfterSeconds: 60 });
    expect(await h.say("hi")).toBe("echo: hi\n\n(Answered by claude-sonnet-4-5 — claude-opus-4-5 was unavailable.)");
    expect(h.turns[0]).toMatchObject({ ok: true, model: "anthropic/claude-sonnet-4-5" });
    expect(h.fake.requests.map((r) => (r.body as any).model)).toEqual(["claude-opus-4-5", "claude-opus-4-5", "claude-sonnet-4-5"]);
  });

  it("routes by binding to an agent with its own auth store; it does not inherit main's keys", async () => {
    h = await startHarness({
      config: {
        agents: { list: [{ id: "main", default: true }, { id: "family", systemPrompt: "family agent" }] },
        bindings: [{ agentId: "family", match: { channel: "telegram", chatId: "-42" } }],
      },
    });
    const reply = await h.say("hello family", { chatKind: "group", chatId: "-42" });
    expect(reply).toContain('No API key found for provider "anthropic"');
    expect(reply).toContain("family");
    expect(h.fake.requests).toHaveLength(0);
    expect(await h.say("hello main")).toBe("echo: hello main");
    expect((h.fake.requests[0].body as any).system).toBeDefined();
  });
});
