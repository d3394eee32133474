import { describe, expect, it } from "vitest";
import { FloodControl } from "./flood-control.js";

describe("FloodControl", () => {
  it("allows a chat's burst, then one message per interval", () => {
    const flood = new FloodControl({ perChat: { limit: 1, intervalMs: 1000, burst: 3 }, perGroup: false, global: false });
    const t0 = 1_000_000;
    expect([0, 1, 2].map(() => flood.tryConsume(1, false, t0).allowed)).toEqual([true, true, true]);
    expect(flood.tryConsume(1, false, t0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(flood.tryConsume(2, false, t0).allowed).toBe(true);
    expect(flood.tryConsume(1, false, t0 + 1000).allowed).toBe(true);
    expect(flood.tryConsume(1, false, t0 + 1000).allowed).toBe(false);
  });

  it("limits groups per minute and reports retry_after in whole seconds", () => {
    const flood = new FloodControl({ perChat: false, perGroup: { limit: 20, intervalMs: 60_000 }, global: false });
    for (let n = 0; n < 20; n++) expect(flood.tryConsume(-5, true, 0).allowed).toBe(true);
    expect(flood.tryConsume(-5, true, 0)).toEqual({ allowed: false, retryAfterSeconds: 3 });
    expect(flood.tryConsume(7, false, 0).allowed).toBe(true);
  });

  it("shares the global bucket across chats and consumes nothing when refused", () => {
    const flood = new FloodControl({ perChat: { limit: 1, intervalMs: 1000, burst: 1 }, perGroup: false, global: { limit: 2, intervalMs: 1000 } });
    expect(flood.tryConsume(1, false, 0).allowed).toBe(true);
    expect(flood.tryConsume(2, false, 0).allowed).toBe(true);
    expect(flood.tryConsume(3, false, 0).allowed).toBe(false);
    // chat 3 was refused, so its own bucket is still full once the global one refills
    expect(flood.tryConsume(3, false, 500).allowed).toBe(true);
  });
});
