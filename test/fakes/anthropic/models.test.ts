import { describe, expect, it } from "vitest";
import { modelsPage } from "./models.js";

const MODELS = Array.from({ length: 5 }, (_, i) => ({ id: `m${i}` }));
const page = (query: string) => modelsPage(MODELS, new URLSearchParams(query)) as { body: { data: Array<{ id: string }>; has_more: boolean; first_id: string | null; last_id: string | null } };
const ids = (query: string) => page(query).body.data.map((m) => m.id);

describe("fake GET /v1/models pages", () => {
  it("pages forward with limit and after_id, backward with before_id", () => {
    expect(ids("limit=2")).toEqual(["m0", "m1"]);
    expect(page("limit=2").body).toMatchObject({ has_more: true, first_id: "m0", last_id: "m1" });
    expect(ids("limit=2&after_id=m1")).toEqual(["m2", "m3"]);
    expect(page("limit=2&after_id=m3").body).toMatchObject({ has_more: false, last_id: "m4" });
    expect(ids("limit=2&before_id=m4")).toEqual(["m2", "m3"]);
    expect(page("limit=2&before_id=m2").body.has_more).toBe(false);
    expect(ids("")).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(page("after_id=m4").body).toMatchObject({ data: [], has_more: false, first_id: null, last_id: null });
  });

  it("refuses a limit out of range as the API does", () => {
    for (const limit of ["0", "1001", "x", "1.5"]) expect(modelsPage(MODELS, new URLSearchParams({ limit }))).toEqual({ invalid: "limit: Input should be between 1 and 1000" });
  });

  it("fills the fields the API always sends", () => {
    expect(page("limit=1").body.data[0]).toEqual({ type: "model", id: "m0", display_name: "m0", created_at: "2026-01-01T00:00:00Z" });
  });
});
