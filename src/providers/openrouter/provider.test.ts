import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeOpenRouter, type FakeOpenRouter, type FakeOpenRouterStep } from "../../../test/fakes/openrouter/index.js";
import type { FailureClass, ResolvedCredential } from "../../auth/types.js";
import { ProviderError, type CompletionRequest } from "../types.js";
import { createOpenRouterProvider } from "./index.js";
import { listOpenRouterModels } from "./models.js";

const KEY = `sk-or-v1-${"0123456789abcdef".repeat(4)}`;
const credential: ResolvedCredential = { profileId: "openrouter:default", provider: "openrouter", kind: "apiKey", secret: KEY, source: "profile" };

let fake: FakeOpenRouter;

beforeAll(async () => {
  fake = await startFakeOpenRouter();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
  vi.unstubAllEnvs();
});

function ask(text: string, extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return { model: "anthropic/claude-opus-4.5", maxTokens: 256, messages: [{ role: "user", content: text }], ...extra };
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

describe("openrouter provider: request", () => {
  it("streams POST <base>/chat/completions with the key as Bearer, the system prompt as a system message and usage asked for", async () => {
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    await provider.complete(credential, ask("hi", { system: "Be brief.", temperature: 0.2 }));
    const { path, method, credential: sent, headers, body } = lastRequest();
    expect([method, path, sent]).toEqual(["POST", "/chat/completions", KEY]);
    expect(headers.authorization).toBe(`Bearer ${KEY}`);
    expect(body).toMatchObject({
      model: "anthropic/claude-opus-4.5",
      max_tokens: 256,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
      usage: { include: true },
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
    });
  });

  it("sends OpenRouter's app attribution headers; configured headers replace them, never the credential", async () => {
    const plain = createOpenRouterProvider({ baseUrl: fake.url });
    await plain.complete(credential, ask("hi"));
    expect(lastRequest().headers).toMatchObject({ "http-referer": "http://localhost", "x-title": "Baton", "x-openrouter-title": "Baton" });
    const custom = createOpenRouterProvider({
      baseUrl: fake.url,
      headers: { "http-referer": "https://bot.example.org", "X-Title": "Ada's bot", Authorization: "Bearer sk-or-v1-CONFIGKEY-000000000000", "X-Team": "blue" },
    });
    await custom.complete(credential, ask("hi"));
    const { headers, credential: sent } = lastRequest();
    expect(headers).toMatchObject({ "http-referer": "https://bot.example.org", "x-title": "Ada's bot", "x-team": "blue" });
    expect(sent).toBe(KEY);
    expect(JSON.stringify(headers)).not.toContain("CONFIGKEY");
  });

  it("never picks up a key, base URL or header meant for OpenAI from the environment", async () => {
    vi.stubEnv("OPENAI_API_KEY", "sk-proj-FROMENV-000000000000000000000000");
    vi.stubEnv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    vi.stubEnv("OPENAI_ORG_ID", "org-FROMENV");
    vi.stubEnv("OPENAI_PROJECT_ID", "proj-FROMENV");
    vi.stubEnv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-proj-CUSTOMENV-0000000000000000\nX-Api-Key: CUSTOMENV\nX-Team: red");
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    await provider.complete(credential, ask("hi"));
    const { credential: sent, headers } = lastRequest();
    expect(sent).toBe(KEY);
    expect(JSON.stringify(headers)).not.toMatch(/FROMENV|CUSTOMENV/);
    expect(headers["x-team"]).toBeUndefined();
  });

  it("sends images of the newest message as data URLs next to its text; assistant turns as text", async () => {
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    const data = Buffer.from("89504e470d0a1a0a0000", "hex").toString("base64");
    await provider.complete(credential, {
      ...ask(""),
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: [{ type: "text", text: "ok" }] },
        { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image", mediaType: "image/png", data }] },
      ],
    });
    expect(lastRequest().body.messages).toEqual([
      { role: "user", content: "first" },
      { role: "assistant", content: "ok" },
      { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${data}` } }] },
    ]);
  });

  it("joins consecutive messages of one role and drops empty ones", async () => {
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    await provider.complete(credential, { ...ask(""), messages: [{ role: "user", content: "a" }, { role: "assistant", content: "  " }, { role: "user", content: "b" }] });
    expect(lastRequest().body.messages).toEqual([{ role: "user", content: "a\n\nb" }]);
  });
});

describe("openrouter provider: streaming and usage", () => {
  it("delivers text deltas in order and returns the reply, stop reason, model and usage from the final chunk", async () => {
    fake.script(KEY, { reply: "one two three four", chunks: 4, cachedTokens: 12 });
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    const deltas: string[] = [];
    const result = await provider.complete(credential, ask("count", { onText: (d) => deltas.push(d) }));
    expect(deltas.length).toBe(4);
    expect(deltas.join("")).toBe("one two three four");
    expect(result).toMatchObject({ text: "one two three four", stopReason: "stop", model: "anthropic/claude-opus-4.5" });
    // fake: prompt_tokens = ceil(len/4) of the prompt text + cached; completion = ceil(18/4)
    expect(result.usage).toEqual({ inputTokens: 2, outputTokens: 5, cacheReadTokens: 12, cacheWriteTokens: 0 });
  });

  it("takes a stream that ends cleanly with [DONE] after text but no finish_reason as the reply; with no text it is incomplete (timeout)", async () => {
    fake.script(KEY, { reply: "no finish chunk", omitFinish: true }, { reply: "", omitFinish: true });
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    expect(await provider.complete(credential, ask("hi"))).toMatchObject({ text: "no finish chunk", stopReason: null });
    const empty = await failureOf(provider.complete(credential, ask("hi")));
    expect(empty.failureClass).toBe("timeout");
    expect(empty.details.code).toBe("STREAM_INCOMPLETE");
  });

  it("reports length as the stop reason when max_tokens cuts the reply", async () => {
    fake.script(KEY, { reply: "x".repeat(100) });
    const result = await createOpenRouterProvider({ baseUrl: fake.url }).complete(credential, ask("hi", { maxTokens: 2 }));
    expect(result.stopReason).toBe("length");
    expect(result.text).toBe("x".repeat(8));
  });
});

describe("openrouter provider: failures", () => {
  const cases: Array<[string, FakeOpenRouterStep, FailureClass, { status?: number }]> = [
    ["401", { error: { status: 401, message: "User not found." } }, "auth", { status: 401 }],
    ["402", { error: { status: 402, message: "This request requires more credits, or fewer max_tokens." } }, "billing", { status: 402 }],
    ["403 moderation", { error: { status: 403, message: "Input was flagged", metadata: { reasons: ["x"] } } }, "request", { status: 403 }],
    ["408", { error: { status: 408, message: "Request timed out" } }, "timeout", { status: 408 }],
    ["502", { error: { status: 502, message: "Provider returned error", metadata: { provider_name: "Anthropic" } } }, "overloaded", { status: 502 }],
    ["503", { error: { status: 503, message: "No endpoints found that can handle the request" } }, "overloaded", { status: 503 }],
    ["400", { error: { status: 400, message: "anthropic/claude-opus-9 is not a valid model ID" } }, "request", { status: 400 }],
    ["404", { error: { status: 404, message: "No endpoints found for vendor/none." } }, "request", { status: 404 }],
  ];

  it.each(cases)("classifies %s", async (_name, step, failureClass, details) => {
    fake.script(KEY, step);
    const err = await failureOf(createOpenRouterProvider({ baseUrl: fake.url }).complete(credential, ask("hi")));
    expect(err.failureClass).toBe(failureClass);
    expect(err.details).toMatchObject(details);
    expect(err.message).toContain((step as { error: { message: string } }).error.message);
    expect(err.message).toMatch(/^OpenRouter API error/);
  });

  it("names the upstream that failed when OpenRouter says", async () => {
    fake.script(KEY, { error: { status: 502, message: "Provider returned error", metadata: { provider_name: "Anthropic", raw: "overloaded" } } });
    const err = await failureOf(createOpenRouterProvider({ baseUrl: fake.url }).complete(credential, ask("hi")));
    expect(err.message).toBe("OpenRouter API error 502 (upstream Anthropic): Provider returned error");
  });

  it("classifies 429 as rate_limit with retry-after in ms", async () => {
    fake.script(KEY, { error: { status: 429, message: "Rate limit exceeded: free-models-per-min" }, retryAfterSeconds: 7 });
    const err = await failureOf(createOpenRouterProvider({ baseUrl: fake.url }).complete(credential, ask("hi")));
    expect(err.failureClass).toBe("rate_limit");
    expect(err.details).toMatchObject({ status: 429, retryAfterMs: 7000 });
  });

  it("classifies a request the fake rejects itself (400) as request", async () => {
    const err = await failureOf(createOpenRouterProvider({ baseUrl: fake.url }).complete(credential, ask("hi", { maxTokens: 0 })));
    expect(err.failureClass).toBe("request");
    expect(err.message).toContain("max_tokens");
  });

  it.each([
    ["a string code as upstream trouble", { code: "server_error", message: "Provider disconnected unexpectedly" }, "overloaded", undefined],
    ["a numeric 402 as billing", { code: 402, message: "Insufficient credits" }, "billing", 402],
    ["a numeric 429 as rate_limit", { code: 429, message: "Rate limited upstream" }, "rate_limit", 429],
    ["a numeric 401 as auth", { code: 401, message: "Key disabled" }, "auth", 401],
  ] as const)("classifies an error inside a 200 stream with %s, after the text before it", async (_name, error, failureClass, status) => {
    fake.script(KEY, { midStreamError: error, afterText: "partial " });
    const deltas: string[] = [];
    const err = await failureOf(createOpenRouterProvider({ baseUrl: fake.url }).complete(credential, ask("hi", { onText: (d) => deltas.push(d) })));
    expect(deltas.join("")).toBe("partial ");
    expect(err.failureClass).toBe(failureClass);
    expect(err.details.status).toBe(status);
    expect(err.message).toMatch(/^OpenRouter error during the reply/);
    expect(err.message).toContain(error.message);
  });

  it("classifies a connection reset before the response, and one in the middle of a stream, as timeout", async () => {
    fake.script(KEY, { resetConnection: true }, { resetConnection: true, afterText: "half a rep" });
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    expect((await failureOf(provider.complete(credential, ask("hi")))).failureClass).toBe("timeout");
    const deltas: string[] = [];
    const cut = await failureOf(provider.complete(credential, ask("hi", { onText: (d) => deltas.push(d) })));
    expect(cut.failureClass).toBe("timeout");
    expect(deltas.join("")).toBe("half a rep");
  });

  it("times out on a server that never answers, and on a started stream that stalls", async () => {
    fake.script(KEY, { hang: true }, { reply: "slow reply", chunks: 2, delayMs: 60_000 });
    const provider = createOpenRouterProvider({ baseUrl: fake.url, timeoutMs: 200 });
    for (let i = 0; i < 2; i++) {
      const err = await failureOf(provider.complete(credential, ask("hi")));
      expect(err.failureClass).toBe("timeout");
      expect(err.details.code).toBe("ETIMEDOUT");
    }
  });

  it("masks the key when an error message repeats it", async () => {
    fake.script(KEY, { error: { status: 401, message: `invalid key ${KEY}` } });
    const err = await failureOf(createOpenRouterProvider({ baseUrl: fake.url }).complete(credential, ask("hi")));
    expect(err.message).not.toContain(KEY);
    expect(err.message).toContain("sk-or-v1…cdef");
  });

  it("refuses a credential without a secret as auth, without a request", async () => {
    const err = await failureOf(createOpenRouterProvider({ baseUrl: fake.url }).complete({ ...credential, secret: "" }, ask("hi")));
    expect(err.failureClass).toBe("auth");
    expect(fake.requests).toHaveLength(0);
  });

  it("rethrows an error from the onText callback as is", async () => {
    const boom = new Error("sink failed");
    const provider = createOpenRouterProvider({ baseUrl: fake.url });
    await expect(
      provider.complete(
        credential,
        ask("hi", {
          onText: () => {
            throw boom;
          },
        }),
      ),
    ).rejects.toBe(boom);
  });
});

describe("openrouter provider: abort", () => {
  it("rejects with an AbortError when the signal aborts mid-stream", async () => {
    fake.script(KEY, { reply: "a b c d e f g h", chunks: 8, delayMs: 20 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const err = await createOpenRouterProvider({ baseUrl: fake.url })
      .complete(
        credential,
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
    fake.script(KEY, { hang: true });
    const controller = new AbortController();
    const pending = createOpenRouterProvider({ baseUrl: fake.url })
      .complete(credential, ask("hi", { signal: controller.signal }))
      .catch((e: unknown) => e);
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort();
    const err = await pending;
    expect(err).not.toBeInstanceOf(ProviderError);
    expect((err as Error).name).toBe("AbortError");
  });

  it("does not call the API with an already aborted signal", async () => {
    const err = await createOpenRouterProvider({ baseUrl: fake.url })
      .complete(credential, ask("hi", { signal: AbortSignal.abort() }))
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("openrouter model list", () => {
  it("lists GET <base>/models with ids, names and creation times, without a credential", async () => {
    fake.setModels([{ id: "anthropic/claude-opus-4.5", name: "Anthropic: Claude Opus 4.5", created: 1764000000 }, { id: "" }, { id: "openai/gpt-4o" }]);
    const models = await listOpenRouterModels({ baseUrl: `${fake.url}/` });
    expect(models).toEqual([
      { id: "anthropic/claude-opus-4.5", displayName: "Anthropic: Claude Opus 4.5", createdAt: new Date(1764000000 * 1000).toISOString() },
      { id: "openai/gpt-4o" },
    ]);
    const { path, headers, credential: sent } = lastRequest();
    expect(path).toBe("/models");
    expect(sent).toBeUndefined();
    expect(headers["x-title"]).toBe("Baton");
  });

  it("says plainly when the list cannot be fetched", async () => {
    await expect(listOpenRouterModels({ baseUrl: "http://127.0.0.1:1/api/v1" })).rejects.toThrow(/^OpenRouter model list unreachable/);
    await expect(listOpenRouterModels({ baseUrl: `${fake.url}/nowhere` })).rejects.toThrow("OpenRouter model list failed: HTTP 404 Not Found");
  });
});
