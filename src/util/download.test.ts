import { describe, expect, it } from "vitest";
import { AttachmentTooLargeError, readCapped } from "./download.js";

function streamed(chunks: number[], headers: Record<string, string> = {}, status = 200): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const size of chunks) controller.enqueue(new Uint8Array(size).fill(7));
      controller.close();
    },
  });
  return new Response(body, { status, headers });
}

describe("readCapped", () => {
  it("reads a body up to the cap", async () => {
    const bytes = await readCapped(streamed([3, 4, 3]), 10);
    expect(bytes).toHaveLength(10);
    expect(bytes.every((b) => b === 7)).toBe(true);
  });

  it("refuses a declared length over the cap before reading", async () => {
    await expect(readCapped(streamed([1], { "content-length": "11" }), 10)).rejects.toMatchObject({ name: "AttachmentTooLargeError", size: 11, maxBytes: 10 });
  });

  it("stops reading once the bytes pass the cap, whatever the headers said", async () => {
    await expect(readCapped(streamed([6, 6, 6]), 10)).rejects.toBeInstanceOf(AttachmentTooLargeError);
  });

  it("fails on an HTTP error status", async () => {
    await expect(readCapped(streamed([1], {}, 404), 10)).rejects.toThrow("HTTP 404");
  });
});
