import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MalformedAnswerError, screenBatch } from "./update-batch.js";

describe("screenBatch", () => {
  it("refuses an answer that is not a list", () => {
    for (const answer of [undefined, null, {}, { result: [] }, "[]", 42, true]) {
      expect(() => screenBatch(answer), JSON.stringify(answer)).toThrow(MalformedAnswerError);
    }
  });

  it("keeps updates, leaves out elements without an integer update_id, and passes oversized ones as bare ids", () => {
    const small = { update_id: 1, message: { text: "hi" } };
    const big = { update_id: 2, message: { text: "x".repeat(2000) } };
    const batch = screenBatch([small, null, 7, "x", [], { update_id: "3" }, { update_id: 1.5 }, { update_id: -1 }, big], 1000);
    expect(batch).toEqual({ updates: [small, { update_id: 2 }], dropped: 7, oversized: [2] });
  });

  it("never throws on a list of anything, and keeps exactly the elements with an integer update_id", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.anything(), fc.record({ update_id: fc.oneof(fc.nat(), fc.anything()) }))), (answer) => {
        const batch = screenBatch(answer);
        expect(batch.updates.length + batch.dropped).toBe(answer.length);
        for (const update of batch.updates) expect(Number.isSafeInteger(update.update_id)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
