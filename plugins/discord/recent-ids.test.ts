import { describe, expect, it } from "vitest";
import { RecentIds } from "./recent-ids.js";

describe("RecentIds", () => {
  it("reports an id as seen the second time", () => {
    const recent = new RecentIds();
    expect(recent.seen("1")).toBe(false);
    expect(recent.seen("1")).toBe(true);
    expect(recent.seen("2")).toBe(false);
  });

  it("forgets the oldest ids beyond its capacity", () => {
    const recent = new RecentIds(2);
    recent.seen("1");
    recent.seen("2");
    recent.seen("3");
    expect(recent.seen("1")).toBe(false);
    expect(recent.seen("3")).toBe(true);
  });
});
