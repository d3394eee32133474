import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CATALOG_MAX_AGE_MS, catalogCachePath, loadCatalog, sanitizeModels, type LiveModel, type ModelFetcher } from "./model-catalog-cache.js";

const T0 = Date.parse("2026-12-05T04:00:00Z");
const LIST: LiveModel[] = [{ id: "claude-opus-5-5", displayName: "Claude Opus 5.5", createdAt: "2026-11-18T00:00:00Z" }];

let stateDir: string;
beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-catalog-"));
});
afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

/** A fetcher that counts its calls and answers `list`, or fails with `error`. */
function counting(list: LiveModel[] | (() => never)): ModelFetcher & { calls: number } {
  const fetcher = Object.assign(
    async () => {
      fetcher.calls += 1;
      return typeof list === "function" ? list() : list;
    },
    { calls: 0 },
  );
  return fetcher;
}

const file = () => catalogCachePath(stateDir, "anthropic");

describe("loadCatalog", () => {
  it("fetches when there is no cache, writes it private (0700 dir, 0600 file), then serves it without fetching while fresh", async () => {
    const fetcher = counting(LIST);
    const first = await loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 });
    expect(first).toMatchObject({ source: "live", models: LIST, fetchedAt: T0, stale: false });
    expect(first.problem).toBeUndefined();
    expect(fs.statSync(path.dirname(file())).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);

    const second = await loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 + CATALOG_MAX_AGE_MS - 1 });
    expect(second).toMatchObject({ source: "cache", models: LIST, fetchedAt: T0, stale: false });
    expect(fetcher.calls).toBe(1);
  });

  it("refetches when asked (--refresh) and when older than 24 h", async () => {
    const fetcher = counting(LIST);
    await loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 });
    const refreshed = await loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 + 1000, refresh: true });
    expect(refreshed).toMatchObject({ source: "live", fetchedAt: T0 + 1000 });
    const stale = await loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 + 1000 + CATALOG_MAX_AGE_MS });
    expect(stale.source).toBe("live");
    expect(fetcher.calls).toBe(3);
  });

  it("without a fetcher never fetches: a stale cache is served as stale, none as none", async () => {
    expect(await loadCatalog({ provider: "anthropic", stateDir, now: T0 })).toMatchObject({ source: "none", models: [], fetchedAt: null });
    await loadCatalog({ provider: "anthropic", stateDir, fetcher: counting(LIST), now: T0 });
    expect(await loadCatalog({ provider: "anthropic", stateDir, now: T0 + CATALOG_MAX_AGE_MS + 1 })).toMatchObject({ source: "cache", stale: true, models: LIST });
  });

  it("when the provider is unreachable: a clear message, and the cache (even stale) or the built-in list", async () => {
    const down = counting(() => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:9");
    });
    const none = await loadCatalog({ provider: "anthropic", stateDir, fetcher: down, now: T0 });
    expect(none).toMatchObject({ source: "none", models: [] });
    expect(none.problem).toBe("Could not fetch the anthropic model list (connect ECONNREFUSED 127.0.0.1:9); showing the built-in list.");

    await loadCatalog({ provider: "anthropic", stateDir, fetcher: counting(LIST), now: T0 });
    const cached = await loadCatalog({ provider: "anthropic", stateDir, fetcher: down, now: T0 + 5000, refresh: true });
    expect(cached).toMatchObject({ source: "cache", models: LIST, stale: false });
    expect(cached.problem).toMatch(/^Could not fetch the anthropic model list \(connect ECONNREFUSED 127\.0\.0\.1:9\); showing the list cached 2026-12-05 04:00 UTC\.$/);
    const stale = await loadCatalog({ provider: "anthropic", stateDir, fetcher: down, now: T0 + 2 * CATALOG_MAX_AGE_MS });
    expect(stale).toMatchObject({ source: "cache", stale: true });
  });

  it("gives up on a fetch that never answers", async () => {
    const hanging: ModelFetcher = () => new Promise(() => undefined);
    const result = await loadCatalog({ provider: "anthropic", stateDir, fetcher: hanging, now: T0, timeoutMs: 50 });
    expect(result.source).toBe("none");
    expect(result.problem).toContain("no answer within");
  });

  it.each([
    ["invalid JSON", "{ nope", "invalid JSON"],
    ["another shape", JSON.stringify({ hello: 1 }), "not a model cache"],
    ["another provider", JSON.stringify({ version: 1, provider: "openrouter", fetchedAt: T0, models: [] }), 'it holds provider "openrouter"'],
  ])("a corrupt cache file (%s) is reported and ignored, never a crash, and the next fetch replaces it", async (_name, content, reason) => {
    fs.mkdirSync(path.dirname(file()), { recursive: true });
    fs.writeFileSync(file(), content);
    const offline = await loadCatalog({ provider: "anthropic", stateDir, now: T0 });
    expect(offline).toMatchObject({ source: "none", models: [] });
    expect(offline.problem).toContain(`The model cache ${file()} is unreadable (${reason}`);
    const fetched = await loadCatalog({ provider: "anthropic", stateDir, fetcher: counting(LIST), now: T0 });
    expect(fetched).toMatchObject({ source: "live", models: LIST });
    expect(JSON.parse(fs.readFileSync(file(), "utf8"))).toMatchObject({ version: 1, provider: "anthropic", fetchedAt: T0 });
  });

  it("a cache dated in the future (clock moved back) is not trusted as fresh", async () => {
    await loadCatalog({ provider: "anthropic", stateDir, fetcher: counting(LIST), now: T0 + 3_600_000 });
    const fetcher = counting(LIST);
    await loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 });
    expect(fetcher.calls).toBe(1);
  });

  it("makes one fetch for concurrent loads of one provider", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetcher = Object.assign(async () => (fetcher.calls++, await gate, LIST), { calls: 0 });
    const both = Promise.all([loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 }), loadCatalog({ provider: "anthropic", stateDir, fetcher, now: T0 })]);
    release();
    const [a, b] = await both;
    expect(a.models).toEqual(LIST);
    expect(b.models).toEqual(LIST);
    expect(fetcher.calls).toBe(1);
  });

  it("keeps the provider id out of the path", () => {
    expect(catalogCachePath("/s", "../../etc")).toBe(path.join("/s", "cache", "models-______etc.json"));
  });
});

describe("sanitizeModels", () => {
  it("keeps well-formed entries, drops the rest and duplicates", () => {
    expect(
      sanitizeModels([
        { id: "a", displayName: "A", lifecycle: "retired", retiresAt: "2026-01-01" },
        { id: "a" },
        { id: "" },
        { id: "has space" },
        { id: 5 },
        null,
        "x",
        { id: "b", lifecycle: "weird", displayName: 7 },
      ]),
    ).toEqual([{ id: "a", displayName: "A", lifecycle: "retired", retiresAt: "2026-01-01" }, { id: "b" }]);
    expect(sanitizeModels({ data: [] })).toEqual([]);
  });

  it("never throws and keeps only string ids, whatever it is given", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const out = sanitizeModels(input);
        return Array.isArray(out) && out.every((m) => typeof m.id === "string" && m.id.length > 0);
      }),
    );
  });
});
