import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BoundedSet } from "./bounded-set.js";

describe("BoundedSet", () => {
  it("says an id is new only the first time, and forgets the oldest past its capacity", () => {
    const recent = new BoundedSet<string>(2);
    expect(recent.addNew("1")).toBe(true);
    expect(recent.addNew("1")).toBe(false);
    recent.add("2").add("3");
    expect(recent.has("1")).toBe(false);
    expect(recent.addNew("3")).toBe(false);
    expect(recent.size).toBe(2);
  });

  it("refuses a capacity that could hold nothing", () => {
    expect(() => new BoundedSet(0)).toThrow(RangeError);
    expect(() => new BoundedSet(1.5)).toThrow(RangeError);
  });

  it("holds exactly the newest `capacity` distinct values, whatever the sequence (model check)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), value: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant("addNew" as const), value: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant("delete" as const), value: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const set = new BoundedSet<number>(capacity);
        let model: number[] = []; // oldest first
        for (const { kind, value } of ops) {
          const had = model.includes(value);
          if (kind === "delete") {
            expect(set.delete(value)).toBe(had);
            model = model.filter((v) => v !== value);
            continue;
          }
          if (kind === "addNew") expect(set.addNew(value)).toBe(!had);
          else set.add(value);
          if (kind === "add" || !had) model = [...model.filter((v) => v !== value), value].slice(-capacity);
        }
        expect(set.size).toBe(model.length);
        for (let v = 0; v <= 20; v++) expect(set.has(v)).toBe(model.includes(v));
      }),
      { numRuns: 1000 },
    );
  });
});
