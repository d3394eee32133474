/** /metrics: each metric of DESIGN.md §10 after scripted failovers and cooldowns against the Anthropic fake. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_A, KEY_B, KEY_C } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import { parseMetrics, sample, startRig, useLoopbackPlugin, type Rig } from "./rig.js";

let restorePluginPath: () => void;
beforeAll(() => {
  restorePluginPath = useLoopbackPlugin();
});
afterAll(() => restorePluginPath());

const MODEL = "claude-opus-4-5";
const REF = `anthropic/${MODEL}`;
const DAY_S = 86_400;

describe("/metrics after a rate-limited key and a failover", () => {
  let rig: Rig;
  let samples: ReturnType<typeof parseMetrics>;
  let text: string;
  const tokenExpires = Date.now() + 3 * DAY_S * 1000;

  beforeAll(async () => {
    rig = await startRig({
      config: { agents: { defaults: { model: REF } } },
      profiles: {
        "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A },
        "anthropic:b": { type: "api_key", provider: "anthropic", key: KEY_B },
        "anthropic:sub": { type: "token", provider: "anthropic", token: KEY_C, expires: tokenExpires },
      },
      store: { order: { anthropic: ["anthropic:a", "anthropic:b", "anthropic:sub"] } },
    });
    await waitFor(() => rig.gateway.channelStatus()[0]?.state === "up", { what: "loopback up" });
    // key a answers 429 with a minute to wait; the turn moves on to key b
    rig.fake.script(KEY_A, { error: { status: 429, type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" }, retryAfterSeconds: 60, times: 5 });
    expect(await rig.say("first question")).toContain("first question");
    expect(await rig.say("second question", "bob")).toContain("second question");
    const res = await rig.get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    text = await res.text();
    samples = parseMetrics(text);
  });
  afterAll(() => rig.close());

  it("counts provider requests by profile and result, and the failover", () => {
    expect(sample(samples, "baton_provider_requests_total", { provider: "anthropic", profile: "anthropic:a", model: MODEL, result: "rate_limit" })).toBe(1);
    expect(sample(samples, "baton_provider_requests_total", { provider: "anthropic", profile: "anthropic:b", model: MODEL, result: "ok" })).toBe(2);
    expect(sample(samples, "baton_failovers_total", { agent: "main", from_profile: "anthropic:a", to_profile: "anthropic:b" })).toBe(1);
  });

  it("shows the rate-limited profile unusable with its cooldown, the others usable; expiry only for the token", () => {
    expect(sample(samples, "baton_auth_profile_usable", { agent: "main", profile: "anthropic:a" })).toBe(0);
    expect(sample(samples, "baton_auth_profile_cooldown_seconds", { agent: "main", profile: "anthropic:a" })).toBeGreaterThan(0);
    expect(sample(samples, "baton_auth_profile_usable", { agent: "main", profile: "anthropic:b" })).toBe(1);
    expect(sample(samples, "baton_auth_profile_cooldown_seconds", { agent: "main", profile: "anthropic:b" })).toBe(0);
    expect(sample(samples, "baton_auth_profile_usable", { agent: "main", profile: "anthropic:sub" })).toBe(1);
    const expiresIn = sample(samples, "baton_auth_profile_expires_in_seconds", { agent: "main", profile: "anthropic:sub" })!;
    expect(expiresIn).toBeGreaterThan(2.9 * DAY_S);
    expect(expiresIn).toBeLessThanOrEqual(3 * DAY_S);
    expect(sample(samples, "baton_auth_profile_expires_in_seconds", { profile: "anthropic:a" })).toBeUndefined();
  });

  it("counts turns, their duration, tokens and cost as the fake reported them", () => {
    expect(sample(samples, "baton_turns_total", { agent: "main", model: REF, outcome: "ok" })).toBe(2);
    expect(sample(samples, "baton_turn_duration_seconds_count")).toBe(2);
    const requests = rig.fake.requests.filter((r) => r.credential === KEY_B);
    expect(requests).toHaveLength(2);
    const input = sample(samples, "baton_tokens_total", { agent: "main", model: REF, profile: "anthropic:b", type: "input" })!;
    const output = sample(samples, "baton_tokens_total", { agent: "main", model: REF, profile: "anthropic:b", type: "output" })!;
    expect(input).toBeGreaterThan(0);
    expect(output).toBeGreaterThan(0);
    // claude-opus-4-5: $5 / $25 per million input / output tokens (no cache in these turns)
    const cost = sample(samples, "baton_cost_usd_total", { agent: "main", model: REF, profile: "anthropic:b" })!;
    expect(cost).toBeCloseTo((input * 5 + output * 25) / 1e6, 9);
  });

  it("counts chat messages in and out per channel and shows the channel up", () => {
    expect(sample(samples, "baton_messages_total", { channel: "loopback", direction: "in" })).toBe(2);
    expect(sample(samples, "baton_messages_total", { channel: "loopback", direction: "out" })).toBe(2);
    expect(sample(samples, "baton_channel_up", { channel: "loopback" })).toBe(1);
  });

  it("has prom-client's process metrics, and help and type lines for the contract's names", () => {
    expect(sample(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(sample(samples, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    for (const [name, type] of [
      ["baton_turns_total", "counter"],
      ["baton_turn_duration_seconds", "histogram"],
      ["baton_provider_requests_total", "counter"],
      ["baton_failovers_total", "counter"],
      ["baton_auth_profile_usable", "gauge"],
      ["baton_auth_profile_cooldown_seconds", "gauge"],
      ["baton_auth_profile_expires_in_seconds", "gauge"],
      ["baton_tokens_total", "counter"],
      ["baton_cost_usd_total", "counter"],
      ["baton_channel_up", "gauge"],
      ["baton_messages_total", "counter"],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(text).not.toContain(KEY_A.slice(14, 40));
  });

  it("follows the cooldown: the gauge counts down between scrapes, and a channel that goes down reads 0", async () => {
    const first = sample(samples, "baton_auth_profile_cooldown_seconds", { profile: "anthropic:a" })!;
    const later = await waitFor(async () => {
      const value = sample(parseMetrics(await (await rig.get("/metrics")).text()), "baton_auth_profile_cooldown_seconds", { profile: "anthropic:a" })!;
      return value < first && value;
    }, { intervalMs: 100, what: "the cooldown gauge to count down" });
    expect(later).toBeGreaterThan(0);
    await rig.gateway.channels[0].stop();
    const after = parseMetrics(await (await rig.get("/metrics")).text());
    expect(sample(after, "baton_channel_up", { channel: "loopback" })).toBe(0);
  });
});

describe("a profile over its budget", () => {
  it("reads unusable until the period ends, in /metrics and /readyz, as the resolver skips it", async () => {
    const rig = await startRig({
      config: {
        agents: { defaults: { model: REF } },
        auth: { profiles: { "anthropic:a": { provider: "anthropic", mode: "api_key", budget: { usd: 0.000001, per: "day" } }, "anthropic:b": { provider: "anthropic", mode: "api_key" } } },
      },
    });
    try {
      await waitFor(() => rig.gateway.channelStatus()[0]?.state === "up", { what: "loopback up" });
      expect(await rig.say("spend a little")).toContain("spend a little");
      const samples = await waitFor(async () => {
        const parsed = parseMetrics(await (await rig.get("/metrics")).text());
        return sample(parsed, "baton_auth_profile_usable", { profile: "anthropic:a" }) === 0 && parsed;
      }, { intervalMs: 50, what: "anthropic:a over budget" });
      const endOfDay = (Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1) - Date.now()) / 1000;
      const cooldown = sample(samples, "baton_auth_profile_cooldown_seconds", { profile: "anthropic:a" })!;
      expect(cooldown).toBeGreaterThan(endOfDay - 60);
      expect(cooldown).toBeLessThanOrEqual(endOfDay + 1);
      expect(sample(samples, "baton_auth_profile_usable", { profile: "anthropic:b" })).toBe(1);
      expect(sample(samples, "baton_cost_usd_total", { profile: "anthropic:a" })).toBeGreaterThan(0.000001);
      const ready = (await (await rig.get("/readyz")).json()) as { providers: { profile: string; unusable: unknown[] }[] };
      expect(ready.providers[0]).toMatchObject({ profile: "anthropic:b", unusable: [{ profile: "anthropic:a", kind: "budget", reason: "budget" }] });
      // the next turn goes to b without a request with a's key
      const before = rig.fake.requests.length;
      expect(await rig.say("and more")).toContain("and more");
      expect(rig.fake.requests.slice(before).map((r) => r.credential)).toEqual([KEY_B]);
    } finally {
      await rig.close();
    }
  });
});
