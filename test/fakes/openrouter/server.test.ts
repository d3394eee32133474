import OpenAI, { APIError } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MODELS, startFakeOpenRouter, type FakeOpenRouter } from "./index.js";

let fake: FakeOpenRouter;
let client: OpenAI;
const KEY = `sk-or-v1-${"0".repeat(64)}`;

beforeAll(async () => {
  fake = await startFakeOpenRouter();
  client = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, logLevel: "off" });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
});

type Json = any;

function post(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }): Promise<Response> {
  return fetch(`${fake.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const hello = { model: "anthropic/claude-opus-4.5", messages: [{ role: "user" as const, content: "hello there" }] };

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, text: chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("") };
}

describe("fake OpenRouter: validation and errors", () => {
  it("answers a request without credentials with 401 in OpenRouter's error shape", async () => {
    const res = await post(hello, {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 401, message: "No auth credentials found" } });
  });

  it.each([
    [{ ...hello, model: undefined }, "model:"],
    [{ ...hello, messages: [] }, "at least one message"],
    [{ ...hello, max_tokens: 0 }, "max_tokens"],
    [{ ...hello, messages: [{ role: "wizard", content: "x" }] }, "role"],
    [{ ...hello, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:text/plain;base64,AA==" } }] }] }, "image_url.url"],
    ["{not json", "Invalid JSON"],
  ])("rejects %j with a 400 naming the problem", async (body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const json: Json = await res.json();
    expect(json.error.code).toBe(400);
    expect(json.error.message).toContain(message);
  });

  it("sends scripted errors with their status, body, metadata and retry-after; the SDK reads them", async () => {
    fake.script(KEY, { error: { status: 402, message: "Insufficient credits", metadata: { provider_name: null } } }, { error: { status: 429, message: "Rate limit exceeded" }, retryAfterSeconds: 7 });
    const first = await client.chat.completions.create({ ...hello, stream: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(APIError);
    expect((first as APIError).status).toBe(402);
    expect((first as APIError).error).toMatchObject({ code: 402, message: "Insufficient credits" });
    const second = await post(hello);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("7");
  });

  it("a mid-stream error arrives after text in a 200 stream, as a chunk with error and finish_reason error", async () => {
    fake.script(KEY, { midStreamError: { code: "server_error", message: "Provider disconnected" }, afterText: "partial" });
    const stream = await client.chat.completions.create({ ...hello, stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta?.content ?? "");
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen.join("")).toBe("partial");
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBeUndefined();
    expect((err as APIError).error).toMatchObject({ code: "server_error", message: "Provider disconnected" });
  });
});

describe("fake OpenRouter: replies", () => {
  it("streams the echo in chunks, with a processing comment, a finish chunk, the usage chunk and [DONE]", async () => {
    const raw = await (await post({ ...hello, stream: true, stream_options: { include_usage: true } })).text();
    expect(raw.startsWith(": OPENROUTER PROCESSING\n\n")).toBe(true);
    expect(raw.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const { chunks, text } = await collect(await client.chat.completions.create({ ...hello, stream: true, stream_options: { include_usage: true } }));
    expect(text).toBe("echo: hello there");
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe("stop");
    const usage = chunks.at(-1)?.usage;
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(chunks.at(-1)?.choices).toEqual([]);
  });

  it("sends usage only when asked (stream_options.include_usage or usage.include)", async () => {
    const without = await collect(await client.chat.completions.create({ ...hello, stream: true }));
    expect(without.chunks.some((c) => c.usage)).toBe(false);
    const withOpenRouterFlag = await collect(await client.chat.completions.create({ ...hello, stream: true, usage: { include: true } } as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming));
    expect(withOpenRouterFlag.chunks.at(-1)?.usage).toBeTruthy();
  });

  it("answers without streaming as a chat.completion with usage, cut at max_tokens", async () => {
    fake.script(KEY, { reply: "x".repeat(100), cachedTokens: 5 });
    const completion = await client.chat.completions.create({ ...hello, max_tokens: 2 });
    expect(completion.choices[0].message.content).toBe("x".repeat(8));
    expect(completion.choices[0].finish_reason).toBe("length");
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(5);
  });

  it("scripts per credential; other credentials get the default echo", async () => {
    fake.script(KEY, { reply: "scripted", times: 2 });
    const other = new OpenAI({ apiKey: "sk-or-v1-other-key-000000000000", baseURL: fake.url, maxRetries: 0 });
    expect((await collect(await other.chat.completions.create({ ...hello, stream: true }))).text).toBe("echo: hello there");
    expect((await collect(await client.chat.completions.create({ ...hello, stream: true }))).text).toBe("scripted");
    expect((await collect(await client.chat.completions.create({ ...hello, stream: true }))).text).toBe("scripted");
    expect((await collect(await client.chat.completions.create({ ...hello, stream: true }))).text).toBe("echo: hello there");
    expect(fake.requests.map((r) => r.credential)).toEqual(["sk-or-v1-other-key-000000000000", KEY, KEY, KEY]);
    expect(fake.requests[0].path).toBe("/chat/completions");
  });

  it("accepts image parts as data URLs", async () => {
    const png = Buffer.from("89504e470d0a1a0a", "hex").toString("base64");
    const content: OpenAI.Chat.Completions.ChatCompletionContentPart[] = [
      { type: "text", text: "what is this" },
      { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
    ];
    const { text } = await collect(await client.chat.completions.create({ ...hello, messages: [{ role: "user", content }], stream: true }));
    expect(text).toBe("echo: what is this");
  });

  it("cuts the connection when scripted, after streaming some text", async () => {
    fake.script(KEY, { resetConnection: true, afterText: "half" });
    const stream = await client.chat.completions.create({ ...hello, stream: true });
    const err = await collect(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
  });
});

describe("fake OpenRouter: models", () => {
  it("lists models at GET /models, replaceable per test", async () => {
    const list: Json = await (await fetch(`${fake.url}/models`)).json();
    expect(list.data.map((m: { id: string }) => m.id)).toEqual(DEFAULT_MODELS.map((m) => m.id));
    fake.setModels([{ id: "vendor/model-x" }]);
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["vendor/model-x"]);
  });
});
