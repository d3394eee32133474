import { describe, expect, it } from "vitest";
import { jpegOfSize, PNG_1PX } from "../../support/images.js";
import { MAX_IMAGE_BYTES, validateMessagesBody } from "./validate.js";

function withContent(content: unknown) {
  return { model: "claude-test", max_tokens: 10, messages: [{ role: "user", content }] };
}

function image(mediaType: string, bytes: Buffer) {
  return { type: "image", source: { type: "base64", media_type: mediaType, data: bytes.toString("base64") } };
}

describe("fake Anthropic: image blocks", () => {
  it("accepts an image with a caption and records it", () => {
    const result = validateMessagesBody(withContent([image("image/png", PNG_1PX), { type: "text", text: "what is this?" }]));
    expect(result).toMatchObject({ ok: true, request: { lastUserText: "what is this?", lastUserImages: [{ mediaType: "image/png", bytes: PNG_1PX.length }] } });
  });

  it.each([
    ["a type the API does not take", image("image/bmp", PNG_1PX), "media_type: Input should be 'image/jpeg'"],
    ["a type that does not match the bytes", image("image/jpeg", PNG_1PX), "appears to be a image/png image"],
    ["bytes that are no image", image("image/png", Buffer.from("hello world!")), "Could not process image"],
    ["data that is not base64", { type: "image", source: { type: "base64", media_type: "image/png", data: "%%%" } }, "Invalid base64"],
    ["an image over 5 MB", image("image/jpeg", jpegOfSize(MAX_IMAGE_BYTES + 1)), "image exceeds 5 MB maximum"],
    ["a source without a type", { type: "image", source: { media_type: "image/png", data: "AAAA" } }, "does not match any of the expected tags"],
  ])("rejects %s", (_name, block, message) => {
    const result = validateMessagesBody(withContent([block]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });
});
