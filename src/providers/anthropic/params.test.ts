import { describe, expect, it } from "vitest";
import { buildMessageParams, normalizeConversation } from "./params.js";

describe("normalizeConversation", () => {
  it("joins consecutive messages of one role and drops empty ones", () => {
    expect(
      normalizeConversation([
        { role: "user", content: "a" },
        { role: "assistant", content: "  " },
        { role: "user", content: "b" },
        { role: "assistant", content: "c" },
        { role: "assistant", content: "d" },
      ]),
    ).toEqual([
      { role: "user", content: "a\n\nb" },
      { role: "assistant", content: "c\n\nd" },
    ]);
  });

  it("does not modify its input", () => {
    const input = [
      { role: "user" as const, content: "a" },
      { role: "user" as const, content: "b" },
    ];
    normalizeConversation(input);
    expect(input[0].content).toBe("a");
  });
});

describe("buildMessageParams", () => {
  const base = { model: "claude-x", maxTokens: 100 };

  it("sends plain strings and no cache_control without a TTL", () => {
    const params = buildMessageParams({ ...base, system: "sys", messages: [{ role: "user", content: "hi" }] });
    expect(params).toEqual({ model: "claude-x", max_tokens: 100, system: "sys", messages: [{ role: "user", content: "hi" }], stream: true });
  });

  it("marks the system prompt and the only message when the conversation has one message", () => {
    const params = buildMessageParams({ ...base, system: "sys", messages: [{ role: "user", content: "hi" }], cacheControlTtl: "5m" });
    expect(params.system).toEqual([{ type: "text", text: "sys", cache_control: { type: "ephemeral", ttl: "5m" } }]);
    expect(params.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral", ttl: "5m" } }] },
    ]);
  });

  it("marks only the newest message of a longer conversation", () => {
    const params = buildMessageParams({
      ...base,
      messages: [
        { role: "user", content: "q1" },
        { role: "assistant", content: "a1" },
        { role: "user", content: "q2" },
      ],
      cacheControlTtl: "1h",
    });
    expect(params.system).toBeUndefined();
    expect(params.messages.slice(0, 2)).toEqual([
      { role: "user", content: "q1" },
      { role: "assistant", content: "a1" },
    ]);
    expect(params.messages[2]).toEqual({
      role: "user",
      content: [{ type: "text", text: "q2", cache_control: { type: "ephemeral", ttl: "1h" } }],
    });
  });

  it("passes temperature only when set", () => {
    expect(buildMessageParams({ ...base, messages: [{ role: "user", content: "hi" }] })).not.toHaveProperty("temperature");
    expect(buildMessageParams({ ...base, messages: [{ role: "user", content: "hi" }], temperature: 0.2 })).toHaveProperty(
      "temperature",
      0.2,
    );
  });
});

describe("image blocks", () => {
  const base = { model: "claude-x", maxTokens: 100 };
  const image = { type: "image" as const, mediaType: "image/png" as const, data: "iVBORw0KGgo=" };

  it("sends an image as a base64 image block before the caption", () => {
    const params = buildMessageParams({ ...base, messages: [{ role: "user", content: [image, { type: "text", text: "what is it?" }] }] });
    expect(params.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "text", text: "what is it?" },
        ],
      },
    ]);
  });

  it("marks the last block of an image message for the cache", () => {
    const params = buildMessageParams({ ...base, messages: [{ role: "user", content: [{ type: "text", text: "look" }, image] }], cacheControlTtl: "5m" });
    const content = params.messages[0].content as { cache_control?: unknown }[];
    expect(content[0].cache_control).toBeUndefined();
    expect(content[1].cache_control).toEqual({ type: "ephemeral", ttl: "5m" });
  });

  it("keeps an image-only message and joins it with a text message of the same role", () => {
    expect(
      normalizeConversation([
        { role: "user", content: "first" },
        { role: "user", content: [image] },
      ]),
    ).toEqual([{ role: "user", content: [{ type: "text", text: "first" }, image] }]);
  });
});
