import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseModelList } from "./models.js";

describe("parseModelList", () => {
  it("keeps well-formed entries: id (trimmed), name, creation time", () => {
    expect(
      parseModelList({ data: [{ id: " vendor/a ", name: "A", created: 1 }, { id: 5 }, null, { id: "" }, { id: "vendor/b", created: -1, name: 7 }] }),
    ).toEqual([{ id: "vendor/a", displayName: "A", createdAt: "1970-01-01T00:00:01.000Z" }, { id: "vendor/b" }]);
  });

  it("refuses a body without a data array", () => {
    expect(() => parseModelList({ models: [] })).toThrow("no data array");
  });

  it("never throws on any data array, and every kept id is a non-empty string (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.record({ id: fc.string(), name: fc.anything(), created: fc.double() }))), (data) => {
        for (const model of parseModelList({ data })) {
          expect(typeof model.id).toBe("string");
          expect(model.id.length).toBeGreaterThan(0);
          if (model.createdAt !== undefined) expect(Number.isNaN(Date.parse(model.createdAt))).toBe(false);
        }
      }),
    );
  });
});
