import { describe, expect, it } from "vitest";
import { trimHistory } from "./history.js";

const msg = (role: "user" | "assistant", content: string) => ({ role, content });

describe("trimHistory", () => {
  const history = [msg("user", "a"), msg("assistant", "b"), msg("user", "c"), msg("assistant", "d"), msg("user", "e")];

  it("keeps everything within both limits", () => {
    expect(trimHistory(history, { maxMessages: 10, maxTokens: 1000 })).toEqual(history);
  });

  it("keeps the newest messages and starts with a user message", () => {
    expect(trimHistory(history, { maxMessages: 2, maxTokens: 1000 }).map((m) => m.content)).toEqual(["e"]);
    expect(trimHistory(history, { maxMessages: 3, maxTokens: 1000 }).map((m) => m.content)).toEqual(["c", "d", "e"]);
  });

  it("bounds by approximate tokens (4 characters a token)", () => {
    const long = [msg("user", "x".repeat(400)), msg("assistant", "y".repeat(400)), msg("user", "z")];
    expect(trimHistory(long, { maxMessages: 10, maxTokens: 150 }).map((m) => m.content)).toEqual(["z"]);
  });

  it("keeps the newest message even when it alone exceeds the token limit", () => {
    const huge = [msg("user", "old"), msg("assistant", "reply"), msg("user", "h".repeat(100_000))];
    expect(trimHistory(huge, { maxMessages: 40, maxTokens: 100 })).toEqual([huge[2]]);
  });
});
