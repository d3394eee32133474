import { describe, expect, it } from "vitest";
import { CallbackDataCodec } from "./callback-data.js";

describe("CallbackDataCodec", () => {
  it("sends commands that fit in 64 bytes as themselves", () => {
    const codec = new CallbackDataCodec();
    expect(codec.encode("/model opus")).toBe("/model opus");
    expect(codec.decode("/model opus")).toBe("/model opus");
  });

  it("maps longer commands (counted in UTF-8 bytes) to short ids, the same id for the same command", () => {
    const codec = new CallbackDataCodec();
    const long = `/model ${"ü".repeat(30)}`; // 37 characters, 67 bytes
    const id = codec.encode(long);
    expect(Buffer.byteLength(id)).toBeLessThanOrEqual(64);
    expect(id).not.toBe(long);
    expect(codec.encode(long)).toBe(id);
    expect(codec.decode(id)).toBe(long);
  });

  it("never lets a command be mistaken for an id", () => {
    const codec = new CallbackDataCodec();
    const id = codec.encode("#tag");
    expect(id).not.toBe("#tag");
    expect(codec.decode(id)).toBe("#tag");
    expect(codec.decode("#tag")).toBeUndefined();
  });

  it("forgets the least recently used ids beyond its capacity", () => {
    const codec = new CallbackDataCodec(2);
    const long = (n: number) => `/x ${String(n).repeat(70)}`;
    const first = codec.encode(long(1));
    const second = codec.encode(long(2));
    codec.encode(long(1)); // used again: now the most recent
    codec.encode(long(3));
    expect(codec.decode(second)).toBeUndefined();
    expect(codec.decode(first)).toBe(long(1));
    expect(codec.decode("#zz")).toBeUndefined();
  });

  it("refuses data Baton never produced, so a press cannot carry plain text to the bot", () => {
    const codec = new CallbackDataCodec();
    for (const data of ["not-a-button-of-ours", "/ hello", "hello /model", "//model", "/model@OtherBot opus", "#unknown", "", 42, null]) {
      expect(codec.decode(data), String(data)).toBeUndefined();
    }
    expect(codec.decode("/help")).toBe("/help");
    expect(codec.decode("/model opus@anthropic:work")).toBe("/model opus@anthropic:work");
  });

  it("sends a button whose command is not shaped like one through an id", () => {
    const codec = new CallbackDataCodec();
    const id = codec.encode("plain words");
    expect(id).toMatch(/^#/);
    expect(codec.decode(id)).toBe("plain words");
  });
});
