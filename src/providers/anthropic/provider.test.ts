import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeAnthropic, type FakeAnthropic, type FakeStep } from "../../../test/fakes/anthropic/index.js";
import type { FailureClass, ResolvedCredential } from "../../auth/types.js";
import { ProviderError, type CompletionRequest } from "../types.js";
import { createAnthropicProvider } from "./index.js";

const API_KEY = "sk-ant-api03-TESTKEY0123456789abcdefghijklmnopqrstuvwxyz-wxyz";
const TOKEN = "sk-ant-oat01-TESTTOKEN0123456789abcdefghijklmnopqrstuv-abcd";

const apiKeyCredential: ResolvedCredential = {
  profileId: "anthropic:default",
  provider: "anthropic",
  kind: "apiKey",
  secret: API_KEY,
  source: "profile",
};
const tokenCredential: ResolvedCredential = {
  profileId: "anthropic:manual",
  provider: "anthropic",
  kind: "authToken",
  secret: TOKEN,
  source: "profile",
};

let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
  vi.unstubAllEnvs();
});

function ask(text: string, extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return { model: "claude-test-1", maxTokens: 256, messages: [{ role: "user", content: text }], ...extra };
}

function lastRequest() {
  const request = fake.requests.at(-1);
  if (!request) throw new Error("no request reached the fake");
  return request as typeof request & { body: any };
}

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe("anthropic provider: credentials and headers", () => {
  it("sends an API key as the only credential, with the extended cache TTL beta and no OAuth beta", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    await provider.complete(apiKeyCredential, ask("hi"));
    const { credential, headers } = lastRequest();
    expect(credential).toBe(API_KEY);
    expect([headers["x-api-key"], headers.authorization].filter(Boolean)).toHaveLength(1);
    expect(headers["anthropic-beta"]).toBe("extended-cache-ttl-2025-04-11");
  });

  it("sends a token as Bearer with the OAuth beta", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    await provider.complete(tokenCredential, ask("hi"));
    const { credential, headers } = lastRequest();
    expect(credential).toBe(TOKEN);
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers["x-api-key"]).toBeUndefined();
    expect(headers["anthropic-beta"]).toBe("oauth-2025-04-20");
  });

  it("adds the extended cache TTL beta to token requests that ask for a 1h TTL", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    await provider.complete(tokenCredential, ask("hi", { cacheControlTtl: "1h" }));
    expect(lastRequest().headers["anthropic-beta"]).toBe("oauth-2025-04-20,extended-cache-ttl-2025-04-11");
  });

  it("never picks up credentials from the environment next to the one it was given", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-api03-FROMENV-0000000000000000000000-envk");
    vi.stubEnv("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat01-FROMENV-0000000000000000000000-envt");
    vi.stubEnv("ANTHROPIC_PROFILE", "no-such-profile");
    vi.stubEnv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9");
    vi.stubEnv("ANTHROPIC_CUSTOM_HEADERS", "X-Api-Key: sk-ant-api03-CUSTOMENV-000000000000000000-cust\nX-Team: blue");
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    for (const credential of [apiKeyCredential, tokenCredential]) {
      await provider.complete(credential, ask("hi"));
      const { credential: sent, headers } = lastRequest();
      expect(sent).toBe(credential.secret);
      expect(JSON.stringify(headers)).not.toContain("FROMENV");
      expect(JSON.stringify(headers)).not.toContain("CUSTOMENV");
      expect(headers["x-team"]).toBe("blue");
    }
  });

  it("adds a configured anthropic-beta to Baton's list and passes other headers, never credential headers", async () => {
    const provider = createAnthropicProvider({
      baseUrl: fake.url,
      headers: {
        "anthropic-beta": "context-1m-2025-08-07, extended-cache-ttl-2025-04-11",
        "X-Proxy-Route": "eu",
        "x-api-key": "sk-ant-api03-CONFIGURED-00000000000000000000-conf",
      },
    });
    await provider.complete(apiKeyCredential, ask("hi"));
    let { headers } = lastRequest();
    expect(headers["anthropic-beta"]).toBe("extended-cache-ttl-2025-04-11,context-1m-2025-08-07");
    expect(headers["x-proxy-route"]).toBe("eu");
    expect(lastRequest().credential).toBe(API_KEY);
    expect(JSON.stringify(headers)).not.toContain("CONFIGURED");

    await provider.complete(tokenCredential, ask("hi"));
    ({ headers } = lastRequest());
    expect(headers["anthropic-beta"]).toBe("oauth-2025-04-20,context-1m-2025-08-07,extended-cache-ttl-2025-04-11");
  });

  it("sends the system prompt as given and the SDK's own user agent", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    await provider.complete(tokenCredential, ask("hi", { system: "You are Baton." }));
    const { body, headers } = lastRequest();
    expect(body.system).toBe("You are Baton.");
    expect(headers["user-agent"]).toMatch(/^Anthropic\/JS /);
    expect(JSON.stringify(body)).not.toMatch(/claude code/i);
  });
});

describe("anthropic provider: prompt caching", () => {
  const conversation: CompletionRequest["messages"] = [
    { role: "user", content: "first question" },
    { role: "assistant", content: "first answer" },
    { role: "user", content: "second question" },
  ];

  it("marks the system prompt and the newest message with the requested TTL", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    await provider.complete(apiKeyCredential, {
      model: "claude-test-1",
      maxTokens: 64,
      system: "system prompt",
      messages: conversation,
      cacheControlTtl: "1h",
    });
    const { body } = lastRequest();
    expect(body.system).toEqual([{ type: "text", text: "system prompt", cache_control: { type: "ephemeral", ttl: "1h" } }]);
    expect(body.messages).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      {
        role: "user",
        content: [{ type: "text", text: "second question", cache_control: { type: "ephemeral", ttl: "1h" } }],
      },
    ]);
  });

  it("sends no cache_control without a TTL", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    await provider.complete(apiKeyCredential, {
      model: "claude-test-1",
      maxTokens: 64,
      system: "system prompt",
      messages: conversation,
    });
    const { body } = lastRequest();
    expect(JSON.stringify(body)).not.toContain("cache_control");
    expect(body.system).toBe("system prompt");
  });

  it("reports cache writes on the first turn and cache reads on the next", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const system = "You are a careful assistant. ".repeat(50);
    const first = await provider.complete(apiKeyCredential, {
      model: "claude-test-1",
      maxTokens: 64,
      system,
      messages: [{ role: "user", content: "first question" }],
      cacheControlTtl: "5m",
    });
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(first.usage.outputTokens).toBeGreaterThan(0);

    const second = await provider.complete(apiKeyCredential, {
      model: "claude-test-1",
      maxTokens: 64,
      system,
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: first.text },
        { role: "user", content: "second question" },
      ],
      cacheControlTtl: "5m",
    });
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(second.usage.inputTokens).toBe(0);
  });
});

describe("anthropic provider: streaming", () => {
  it("delivers text deltas in order and returns the whole reply", async () => {
    fake.script(API_KEY, { reply: "One, two, three, four, five.", chunks: 5 });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const deltas: string[] = [];
    const result = await provider.complete(apiKeyCredential, ask("count", { onText: (d) => deltas.push(d) }));
    expect(deltas).toEqual(["One, t", "wo, th", "ree, f", "our, f", "ive."]);
    expect(result).toMatchObject({ text: "One, two, three, four, five.", stopReason: "end_turn", model: "claude-test-1" });
    expect(lastRequest().body.stream).toBe(true);
  });

  it("reports max_tokens as the stop reason", async () => {
    fake.script(API_KEY, { reply: "word ".repeat(100) });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const result = await provider.complete(apiKeyCredential, ask("long", { maxTokens: 5 }));
    expect(result.stopReason).toBe("max_tokens");
    expect(result.text).toHaveLength(20);
  });

  it("joins consecutive messages of one role so the API accepts the conversation", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const result = await provider.complete(apiKeyCredential, {
      model: "claude-test-1",
      maxTokens: 64,
      messages: [
        { role: "user", content: "one" },
        { role: "user", content: "two" },
      ],
    });
    expect(result.text).toBe("echo: one\n\ntwo");
  });
});

describe("anthropic provider: failures", () => {
  const CLAUDE_CODE_ONLY =
    "This credential is only authorized for use with Claude Code and cannot be used for other API requests.";
  const CREDIT_TOO_LOW =
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.";

  const httpCases: Array<[string, FakeStep, FailureClass, { status: number; errorType: string }]> = [
    ["401", { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } }, "auth", { status: 401, errorType: "authentication_error" }],
    ["403", { error: { status: 403, type: "permission_error", message: "no access" } }, "auth", { status: 403, errorType: "permission_error" }],
    ["Claude Code only", { error: { status: 400, type: "invalid_request_error", message: CLAUDE_CODE_ONLY } }, "auth", { status: 400, errorType: "invalid_request_error" }],
    ["529", { error: { status: 529, type: "overloaded_error", message: "Overloaded" } }, "overloaded", { status: 529, errorType: "overloaded_error" }],
    ["402", { error: { status: 402, type: "billing_error", message: "payment required" } }, "billing", { status: 402, errorType: "billing_error" }],
    ["credit balance", { error: { status: 400, type: "invalid_request_error", message: CREDIT_TOO_LOW } }, "billing", { status: 400, errorType: "invalid_request_error" }],
    ["400", { error: { status: 400, type: "invalid_request_error", message: "messages.0: bad" } }, "request", { status: 400, errorType: "invalid_request_error" }],
    ["500", { error: { status: 500, type: "api_error", message: "Internal server error" } }, "overloaded", { status: 500, errorType: "api_error" }],
  ];

  it.each(httpCases)("classifies %s", async (_name, step, failureClass, details) => {
    fake.script(API_KEY, step);
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi")));
    expect(err.failureClass).toBe(failureClass);
    expect(err.details).toMatchObject(details);
    expect(err.message).toContain((step as { error: { message: string } }).error.message);
    expect(err.message).not.toContain(API_KEY);
  });

  it("classifies 429 as rate_limit with retry-after in ms", async () => {
    fake.script(API_KEY, {
      error: { status: 429, type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" },
      retryAfterSeconds: 7,
    });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi")));
    expect(err.failureClass).toBe("rate_limit");
    expect(err.details).toMatchObject({ status: 429, errorType: "rate_limit_error", retryAfterMs: 7000 });
  });

  it("classifies a request the API rejects itself as request", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi", { maxTokens: 0 })));
    expect(err.failureClass).toBe("request");
    expect(err.details.status).toBe(400);
    expect(err.message).toContain("max_tokens");
  });

  it("classifies an overloaded error inside a 200 stream, after the text that came before it", async () => {
    fake.script(API_KEY, { midStreamError: { type: "overloaded_error", message: "Overloaded" }, afterText: "partial " });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const deltas: string[] = [];
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi", { onText: (d) => deltas.push(d) })));
    expect(deltas.join("")).toBe("partial ");
    expect(err.failureClass).toBe("overloaded");
    expect(err.details.errorType).toBe("overloaded_error");
    expect(err.details.status).toBeUndefined();
  });

  it("classifies a connection reset before the response as timeout", async () => {
    fake.script(API_KEY, { resetConnection: true });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi")));
    expect(err.failureClass).toBe("timeout");
    expect(err.details.code).toBeTruthy();
  });

  it("classifies a connection cut in the middle of a stream as timeout", async () => {
    fake.script(API_KEY, { resetConnection: true, afterText: "half a rep" });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const deltas: string[] = [];
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi", { onText: (d) => deltas.push(d) })));
    expect(err.failureClass).toBe("timeout");
    expect(deltas.join("")).toBe("half a rep");
  });

  it("times out on a server that never answers", async () => {
    fake.script(API_KEY, { hang: true });
    const provider = createAnthropicProvider({ baseUrl: fake.url, timeoutMs: 200 });
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi")));
    expect(err.failureClass).toBe("timeout");
    expect(err.details.code).toBe("ETIMEDOUT");
  });

  it("times out when a started stream stalls", async () => {
    fake.script(API_KEY, { reply: "slow reply", chunks: 2, delayMs: 60_000 });
    const provider = createAnthropicProvider({ baseUrl: fake.url, timeoutMs: 200 });
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi")));
    expect(err.failureClass).toBe("timeout");
    expect(err.details.code).toBe("ETIMEDOUT");
  });

  it("masks a secret that an error message repeats", async () => {
    fake.script(API_KEY, { error: { status: 401, type: "authentication_error", message: `invalid key ${API_KEY}` } });
    fake.script(TOKEN, { error: { status: 401, type: "authentication_error", message: `token ${TOKEN} expired` } });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const keyErr = await failureOf(provider.complete(apiKeyCredential, ask("hi")));
    expect(keyErr.message).not.toContain(API_KEY);
    expect(keyErr.message).toContain("sk-ant-a…wxyz");
    const tokenErr = await failureOf(provider.complete(tokenCredential, ask("hi")));
    expect(tokenErr.message).not.toContain(TOKEN);
    expect(tokenErr.message).toContain("sk-ant-o…abcd");
  });

  it("rethrows an error from the onText callback as is", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const boom = new Error("sink failed");
    await expect(
      provider.complete(
        apiKeyCredential,
        ask("hi", {
          onText: () => {
            throw boom;
          },
        }),
      ),
    ).rejects.toBe(boom);
  });
});

describe("anthropic provider: abort", () => {
  it("rejects with an AbortError when the signal aborts mid-stream", async () => {
    fake.script(API_KEY, { reply: "a b c d e f g h", chunks: 8, delayMs: 20 });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const controller = new AbortController();
    const deltas: string[] = [];
    const err = await provider
      .complete(
        apiKeyCredential,
        ask("hi", {
          signal: controller.signal,
          onText: (d) => {
            deltas.push(d);
            controller.abort();
          },
        }),
      )
      .catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ProviderError);
    expect((err as Error).name).toBe("AbortError");
    expect(deltas).toHaveLength(1);
  });

  it("rejects with an AbortError while waiting for a server that hangs", async () => {
    fake.script(API_KEY, { hang: true });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const controller = new AbortController();
    const pending = provider.complete(apiKeyCredential, ask("hi", { signal: controller.signal })).catch((e: unknown) => e);
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort();
    const err = await pending;
    expect(err).not.toBeInstanceOf(ProviderError);
    expect((err as Error).name).toBe("AbortError");
  });

  it("does not call the API with an already aborted signal", async () => {
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const err = await provider.complete(apiKeyCredential, ask("hi", { signal: AbortSignal.abort() })).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("anthropic provider: rate-limit headers", () => {
  it("returns the headers of a success, and hands them over as soon as the response starts", async () => {
    fake.setRateLimits(API_KEY, { requests: 50, tokens: 40_000, windowMs: 60_000 });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const early: unknown[] = [];
    const texts: string[] = [];
    const result = await provider.complete(
      apiKeyCredential,
      ask("hi", { onResponseHeaders: (rateLimits) => early.push(rateLimits), onText: (t) => (texts.push(t), expect(early).toHaveLength(1)) }),
    );
    expect(texts.length).toBeGreaterThan(0);
    expect(result.rateLimits).toMatchObject({ requests: { limit: 50, remaining: 49 }, tokens: { limit: 40_000 } });
    expect(result.rateLimits?.requests?.resetAt).toBeGreaterThan(Date.now());
    expect(result.rateLimits?.tokens?.remaining).toBeLessThan(40_000);
    expect(early).toEqual([result.rateLimits]);
  });

  it("returns the headers of a 429 with the error, retry-after included", async () => {
    fake.setRateLimits(API_KEY, { requests: 1, windowMs: 30_000 });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    await provider.complete(apiKeyCredential, ask("hi"));
    const err = await failureOf(provider.complete(apiKeyCredential, ask("again")));
    expect(err.failureClass).toBe("rate_limit");
    expect(err.details.rateLimits).toMatchObject({ requests: { limit: 1, remaining: 0 } });
    expect(err.details.rateLimits?.retryAfterMs).toBeGreaterThan(0);
    expect(err.details.rateLimits?.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it("returns the subscription (unified) headers for a token, and those of a stream that fails midway", async () => {
    fake.setRateLimits(TOKEN, { requests: 4, windowMs: 60_000 });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const result = await provider.complete(tokenCredential, ask("hi"));
    expect(result.rateLimits?.unified).toMatchObject({ status: "allowed", representativeClaim: "five_hour", windows: { "5h": { utilization: 0.25 } } });
    fake.script(TOKEN, { midStreamError: { type: "overloaded_error", message: "Overloaded" }, afterText: "par" });
    const err = await failureOf(provider.complete(tokenCredential, ask("hi")));
    expect(err.failureClass).toBe("overloaded");
    expect(err.details.rateLimits?.unified?.windows["5h"]).toMatchObject({ utilization: 0.5 });
  });

  it("a failure without a response carries no rate limits", async () => {
    fake.script(API_KEY, { resetConnection: true });
    const provider = createAnthropicProvider({ baseUrl: fake.url });
    const err = await failureOf(provider.complete(apiKeyCredential, ask("hi")));
    expect(err.failureClass).toBe("timeout");
    expect(err.details.rateLimits).toBeUndefined();
  });
});
