import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "./index.js";

let fake: FakeAnthropic;
let clock = Date.parse("2026-01-01T00:00:00Z");

beforeAll(async () => {
  fake = await startFakeAnthropic({ now: () => clock });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
});

const KEY = "sk-ant-api03-fake-key-0000000000000000";

type Json = any;

async function readJson(res: Response | Promise<Response>): Promise<Json> {
  return (await res).json();
}

function post(body: unknown, headers: Record<string, string> = { "x-api-key": KEY }): Promise<Response> {
  return fetch(`${fake.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface SseEvent {
  event: string;
  data: any;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "";
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? "null";
      return { event, data: JSON.parse(data) };
    });
}

const hello = { model: "claude-test", max_tokens: 100, messages: [{ role: "user", content: "hello there" }] };

describe("fake Anthropic: validation", () => {
  it("rejects a request without credentials with authentication_error", async () => {
    const res = await post(hello, {});
    expect(res.status).toBe(401);
    const body = await readJson(res);
    expect(body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(body.request_id).toBe(res.headers.get("request-id"));
  });

  it.each([
    [{ ...hello, model: undefined }, "model: Field required"],
    [{ ...hello, max_tokens: 0 }, "max_tokens: Input should be greater than or equal to 1"],
    [{ ...hello, max_tokens: 1.5 }, "max_tokens: Input should be a valid integer"],
    [{ ...hello, messages: [] }, "messages: at least one message is required"],
    [{ ...hello, messages: [{ role: "assistant", content: "hi" }] }, 'first message must use the "user" role'],
    [
      { ...hello, messages: [{ role: "user", content: "a" }, { role: "user", content: "b" }] },
      'roles must alternate between "user" and "assistant"',
    ],
    [{ ...hello, messages: [{ role: "user", content: "" }] }, "text content blocks must be non-empty"],
  ])("rejects %j with a useful 400", async (body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expect(json.error.type).toBe("invalid_request_error");
    expect(json.error.message).toContain(message);
  });

  it("rejects a body that is not JSON", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.type).toBe("invalid_request_error");
  });

  it("answers 404 not_found_error on other paths", async () => {
    const res = await fetch(`${fake.url}/v1/complete`, { method: "POST", headers: { "x-api-key": KEY } });
    expect(res.status).toBe(404);
    expect((await readJson(res)).error.type).toBe("not_found_error");
  });
});

describe("fake Anthropic: replies", () => {
  it("echoes the last user message as JSON with usage and rate-limit headers", async () => {
    const res = await post(hello);
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    expect(res.headers.get("anthropic-ratelimit-requests-limit")).toBe("4000");
    expect(res.headers.get("anthropic-ratelimit-requests-remaining")).toBe("3999");
    expect(res.headers.get("anthropic-ratelimit-requests-reset")).toMatch(/^\d{4}-\d\d-\d\dT/);
    const message = await readJson(res);
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-test",
      content: [{ type: "text", text: "echo: hello there" }],
      stop_reason: "end_turn",
      usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it("streams the real event sequence", async () => {
    const res = await post({ ...hello, stream: true });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const text = events
      .filter((e) => e.event === "content_block_delta")
      .map((e) => e.data.delta.text)
      .join("");
    expect(text).toBe("echo: hello there");
    expect(events[0].data.message.usage).toHaveProperty("cache_read_input_tokens", 0);
    const delta = events.find((e) => e.event === "message_delta")!;
    expect(delta.data.delta.stop_reason).toBe("end_turn");
    expect(delta.data.usage.output_tokens).toBeGreaterThan(0);
  });

  it("accepts a Bearer token and records it as the credential, with the beta header as sent", async () => {
    const res = await post(hello, { authorization: "Bearer sk-ant-oat01-token", "anthropic-beta": "oauth-2025-04-20,foo" });
    expect(res.status).toBe(200);
    expect(fake.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/messages",
      credential: "sk-ant-oat01-token",
      body: hello,
    });
    expect(fake.requests[0].headers["anthropic-beta"]).toBe("oauth-2025-04-20,foo");
  });

  it("stops at max_tokens", async () => {
    fake.setDefault({ reply: "x".repeat(400) });
    const message = await readJson(post({ ...hello, max_tokens: 10 }));
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.content[0].text).toHaveLength(40);
  });
});

describe("fake Anthropic: scripts", () => {
  it("plays scripted steps per credential in order, honouring times, then falls back to the default", async () => {
    fake.script(KEY, { reply: "one", chunks: 1 }, { error: { status: 529, type: "overloaded_error", message: "Overloaded" }, times: 2 });
    fake.setDefault({ reply: "default" });
    expect((await readJson(post(hello))).content[0].text).toBe("one");
    expect((await post(hello)).status).toBe(529);
    expect((await post(hello, { "x-api-key": "other-key" })).status).toBe(200);
    expect((await post(hello)).status).toBe(529);
    expect((await readJson(post(hello))).content[0].text).toBe("default");
  });

  it("sends Anthropic error bodies with retry-after and extra headers", async () => {
    fake.script(KEY, {
      error: { status: 429, type: "rate_limit_error", message: "slow down" },
      retryAfterSeconds: 17,
      headers: { "x-extra": "yes" },
    });
    const res = await post(hello);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("17");
    expect(res.headers.get("x-extra")).toBe("yes");
    expect(res.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(await readJson(res)).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: "slow down" } });
  });

  it("splits a reply into the requested number of deltas", async () => {
    fake.script(KEY, { reply: "abcdefgh", chunks: 4 });
    const events = parseSse(await (await post({ ...hello, stream: true })).text());
    expect(events.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta.text)).toEqual([
      "ab",
      "cd",
      "ef",
      "gh",
    ]);
  });

  it("sends an SSE error event after some text for a mid-stream error", async () => {
    fake.script(KEY, { midStreamError: { type: "overloaded_error", message: "Overloaded" }, afterText: "partial" });
    const res = await post({ ...hello, stream: true });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.at(-1)).toMatchObject({ event: "error", data: { type: "error", error: { type: "overloaded_error" } } });
    expect(events.map((e) => e.event)).not.toContain("message_stop");
  });

  it("answers a mid-stream error step on a non-streaming request with the error status", async () => {
    fake.script(KEY, { midStreamError: { type: "overloaded_error", message: "Overloaded" } });
    expect((await post(hello)).status).toBe(529);
  });

  it("resets the connection before answering", async () => {
    fake.script(KEY, { resetConnection: true });
    await expect(post(hello)).rejects.toThrow();
  });

  it("resets the connection in the middle of a stream", async () => {
    fake.script(KEY, { resetConnection: true, afterText: "so far" });
    const res = await post({ ...hello, stream: true });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("hangs until the server closes", async () => {
    const own = await startFakeAnthropic();
    own.script(KEY, { hang: true });
    let settled = false;
    const pending = fetch(`${own.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify(hello),
    }).finally(() => {
      settled = true;
    });
    await expect.poll(() => own.requests.length).toBe(1);
    expect(settled).toBe(false);
    await own.close();
    await expect(pending).rejects.toThrow();
  });
});

describe("fake Anthropic: prompt caching", () => {
  const cached = (text: string, ttl?: "5m" | "1h") => ({
    model: "claude-test",
    max_tokens: 50,
    system: [{ type: "text", text: "S".repeat(400), cache_control: { type: "ephemeral", ...(ttl ? { ttl } : {}) } }],
    messages: [{ role: "user", content: text }],
  });

  it("reports cache creation the first time and cache reads within the TTL", async () => {
    const first = (await readJson(post(cached("a")))).usage;
    expect(first.cache_creation_input_tokens).toBe(100);
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.cache_creation).toEqual({ ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 0 });

    const second = (await readJson(post(cached("b")))).usage;
    expect(second.cache_read_input_tokens).toBe(100);
    expect(second.cache_creation_input_tokens).toBe(0);
    expect(second.input_tokens).toBe(1);
  });

  it("expires entries after their TTL and keeps credentials apart", async () => {
    await post(cached("a"));
    expect((await readJson(post(cached("a"), { "x-api-key": "another" }))).usage.cache_read_input_tokens).toBe(0);
    clock += 5 * 60_000 + 1;
    expect((await readJson(post(cached("a")))).usage.cache_read_input_tokens).toBe(0);
  });

  it("keeps 1h entries for an hour", async () => {
    await post(cached("a", "1h"));
    clock += 30 * 60_000;
    const usage = (await readJson(post(cached("a", "1h")))).usage;
    expect(usage.cache_read_input_tokens).toBe(100);
  });
});

describe("fake Anthropic: rate limits", () => {
  const OTHER = "sk-ant-api03-fake-key-1111111111111111";
  const TOKEN = "sk-ant-oat01-fake-token-000000000000000";
  // resets are reported in whole seconds: start each test on one
  beforeEach(() => {
    clock = Math.ceil(clock / 1000) * 1000 + 1000;
  });

  it("limits requests per key and window, with real resets, retry-after and headers", async () => {
    fake.setRateLimits(undefined, { requests: 2, windowMs: 2_000 });
    const start = clock;
    const first = await post(hello);
    expect(first.headers.get("anthropic-ratelimit-requests-limit")).toBe("2");
    expect(first.headers.get("anthropic-ratelimit-requests-remaining")).toBe("1");
    expect(Date.parse(first.headers.get("anthropic-ratelimit-requests-reset")!)).toBe(start + 2_000);
    clock += 500;
    expect((await post(hello)).headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    const refused = await post(hello);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(refused.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(await readJson(refused)).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    // another key has its own window
    expect((await post(hello, { "x-api-key": OTHER })).headers.get("anthropic-ratelimit-requests-remaining")).toBe("1");
    clock += 1_500;
    const next = await post(hello);
    expect(next.status).toBe(200);
    expect(next.headers.get("anthropic-ratelimit-requests-remaining")).toBe("1");
    expect(Date.parse(next.headers.get("anthropic-ratelimit-requests-reset")!)).toBe(clock + 2_000);
  });

  it("limits tokens (input at admission, output with the reply) and a key's own limits win", async () => {
    fake.setRateLimits(undefined, { requests: 100, tokens: 20, windowMs: 60_000 });
    fake.setRateLimits(OTHER, { requests: 1 });
    const res = await post(hello);
    const usage = (await readJson(res)).usage;
    expect(Number(res.headers.get("anthropic-ratelimit-tokens-remaining"))).toBe(20 - usage.input_tokens - usage.output_tokens);
    const big = { ...hello, messages: [{ role: "user", content: "x".repeat(200) }] };
    expect((await post(big)).status).toBe(429);
    expect((await post(hello, { "x-api-key": OTHER })).headers.get("anthropic-ratelimit-requests-limit")).toBe("1");
    expect((await post(hello, { "x-api-key": OTHER })).status).toBe(429);
  });

  it("sends the subscription (unified) headers to an OAuth / setup-token credential", async () => {
    fake.setRateLimits(TOKEN, { requests: 2, windowMs: 10_000 });
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const first = await post(hello, bearer);
    expect(first.headers.get("anthropic-ratelimit-unified-status")).toBe("allowed");
    expect(first.headers.get("anthropic-ratelimit-unified-5h-utilization")).toBe("0.5000");
    expect(Number(first.headers.get("anthropic-ratelimit-unified-reset"))).toBe(Math.ceil((clock + 10_000) / 1000));
    expect(first.headers.get("anthropic-ratelimit-requests-remaining")).toBeNull();
    expect((await post(hello, bearer)).headers.get("anthropic-ratelimit-unified-5h-utilization")).toBe("1.0000");
    const refused = await post(hello, bearer);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("anthropic-ratelimit-unified-status")).toBe("rejected");
  });
});
