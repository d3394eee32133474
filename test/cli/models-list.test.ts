import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { writeAuthStore } from "../support/fixtures.js";
import { freePort } from "../support/net.js";
import { fakeSecret, fileMode, freshHomeForEachTest, json, readJson, runBaton, writeJson, type CliHome } from "./helpers.js";

/** `baton models list [--refresh] [--json]`: built-in catalog + the provider's GET /v1/models, cached 24 h; end of life marked. */

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => fake.close());

const KEY = fakeSecret("api-key");
const cacheFile = () => path.join(home.stateDir, "cache", "models-anthropic.json");
const modelCalls = () => fake.requests.filter((r) => r.method === "GET" && r.path === "/v1/models");

function withKey(config = "{}"): Record<string, string> {
  writeAuthStore(home.storePath(), { "anthropic:default": { type: "api_key", provider: "anthropic", key: KEY } });
  fs.writeFileSync(home.configPath, config, { mode: 0o600 });
  return { ANTHROPIC_BASE_URL: fake.url };
}

describe("baton models list", () => {
  it("fetches the provider's list once, caches it privately, and does not touch the network while the cache is fresh", async () => {
    const env = withKey();
    fake.reset();
    fake.setModels([
      { id: "claude-mythos-5-2", display_name: "Claude Mythos 5.2", created_at: "2026-11-30T00:00:00Z" },
      { id: "claude-opus-5-5", display_name: "Claude Opus 5.5", created_at: "2026-11-18T00:00:00Z" },
      { id: "claude-sonnet-4-5-20250929", display_name: "Claude Sonnet 4.5", lifecycle: "deprecated", retires_at: "2026-11-30T00:00:00Z" },
    ]);
    const first = await runBaton(home, ["models", "list", "--json"], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe("");
    const report = json(first);
    expect(modelCalls()).toHaveLength(1);
    expect(modelCalls()[0].credential).toBe(KEY);
    expect(report.catalogs).toEqual([{ provider: "anthropic", source: "live", fetchedAt: expect.any(String), stale: false, problem: null }]);
    expect(report.models).toContainEqual(expect.objectContaining({ ref: "anthropic/claude-mythos-5-2", name: "Claude Mythos 5.2", listed: true, retired: false }));
    expect(report.models).toContainEqual(expect.objectContaining({ ref: "anthropic/claude-opus-5-5", alias: "opus", listed: true }));
    expect(report.models).toContainEqual(expect.objectContaining({ ref: "anthropic/claude-sonnet-4-5", endOfLife: "2026-11-30", retired: true }));
    expect(report.models).toContainEqual(expect.objectContaining({ ref: "anthropic/claude-sonnet-4-5-20250929", endOfLife: "2026-11-30", retired: true }));
    expect(fileMode(path.dirname(cacheFile()))).toBe(0o700);
    expect(fileMode(cacheFile())).toBe(0o600);
    expect(readJson(cacheFile())).toMatchObject({ version: 1, provider: "anthropic", models: expect.arrayContaining([{ id: "claude-mythos-5-2", displayName: "Claude Mythos 5.2", createdAt: "2026-11-30T00:00:00Z" }]) });

    const second = await runBaton(home, ["models", "list"], { env });
    expect(second.code).toBe(0);
    expect(modelCalls()).toHaveLength(1);
    expect(second.stdout).toMatch(/anthropic\/claude-sonnet-4-5\s+retired 2026-11-30/);
    expect(second.stdout).toMatch(/anthropic\/claude-opus-5-5\s+opus/);
    expect(second.stdout).toMatch(/anthropic\/claude-opus-4-5\s+retires 2027-01-22, default/);
    expect(second.stdout).toContain("anthropic: cached");

    const refreshed = await runBaton(home, ["models", "list", "--refresh", "--json"], { env });
    expect(json(refreshed).catalogs[0].source).toBe("live");
    expect(modelCalls()).toHaveLength(2);
  });

  it("follows the pages of a long list (has_more / after_id) through the SDK", async () => {
    const env = withKey();
    fake.reset();
    fake.setModels(Array.from({ length: 250 }, (_, i) => ({ id: `claude-test-${String(i).padStart(3, "0")}` })));
    const result = json(await runBaton(home, ["models", "list", "--json"], { env }));
    expect(modelCalls().length).toBeGreaterThanOrEqual(3);
    expect(result.models.filter((m: { ref: string }) => m.ref.startsWith("anthropic/claude-test-"))).toHaveLength(250);
    expect(readJson(cacheFile()).models).toHaveLength(250);
  });

  it("refetches a cache older than 24 h", async () => {
    const env = withKey();
    writeJson(cacheFile(), { version: 1, provider: "anthropic", fetchedAt: Date.now() - 25 * 3_600_000, models: [{ id: "claude-old" }] });
    fake.reset();
    const result = json(await runBaton(home, ["models", "list", "--json"], { env }));
    expect(modelCalls()).toHaveLength(1);
    expect(result.catalogs[0].source).toBe("live");
    expect(result.models.map((m: { ref: string }) => m.ref)).not.toContain("anthropic/claude-old");
  });

  it("when the provider is unreachable: says so on stderr, exits 0, and shows the cached or built-in list", async () => {
    const closed = await freePort();
    const env = { ...withKey(), ANTHROPIC_BASE_URL: `http://127.0.0.1:${closed}` };
    const builtIn = await runBaton(home, ["models", "list", "--json"], { env });
    expect(builtIn.code).toBe(0);
    expect(builtIn.stderr).toMatch(/^Could not fetch the anthropic model list \(.+\); showing the built-in list\.\n$/);
    expect(json(builtIn).catalogs[0]).toMatchObject({ source: "none" });
    expect(json(builtIn).models).toContainEqual(expect.objectContaining({ ref: "anthropic/claude-sonnet-5-5", alias: "sonnet", retired: false }));

    writeJson(cacheFile(), { version: 1, provider: "anthropic", fetchedAt: Date.now() - 30 * 3_600_000, models: [{ id: "claude-from-cache" }] });
    const stale = await runBaton(home, ["models", "list"], { env });
    expect(stale.code).toBe(0);
    expect(stale.stderr).toMatch(/showing the list cached \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
    expect(stale.stdout).toContain("anthropic/claude-from-cache");
    expect(stale.stdout).toContain("(stale)");
  });

  it("a corrupt cache file is reported and ignored, not a crash, and replaced by the next fetch", async () => {
    const env = withKey();
    fs.mkdirSync(path.dirname(cacheFile()), { recursive: true, mode: 0o700 });
    fs.writeFileSync(cacheFile(), "{ not json", { mode: 0o600 });
    fake.reset();
    const result = await runBaton(home, ["models", "list", "--json"], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`The model cache ${cacheFile()} is unreadable (invalid JSON); it was ignored.`);
    expect(json(result).catalogs[0].source).toBe("live");
    expect(readJson(cacheFile()).version).toBe(1);
  });

  it("a rejected credential (401) is a clear message, not a crash; the built-in list still shows", async () => {
    const env = withKey();
    fake.reset();
    fake.script(KEY, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    const result = await runBaton(home, ["models", "list"], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Could not fetch the anthropic model list \(.*401.*\); showing the built-in list\./);
    expect(result.stdout).toMatch(/anthropic\/claude-haiku-5-5\s+haiku/);
  });

  it("marks retired models of the allowlist", async () => {
    const env = withKey(`{ agents: { defaults: { model: "anthropic/claude-sonnet-5-5", models: { "anthropic/claude-sonnet-4-5": { alias: "old" }, "anthropic/claude-sonnet-5-5": { alias: "sonnet" } } } } }`);
    const result = json(await runBaton(home, ["models", "list", "--json"], { env }));
    expect(result.allowlist).toBe(true);
    expect(result.models).toEqual([
      expect.objectContaining({ ref: "anthropic/claude-sonnet-4-5", alias: "old", endOfLife: "2026-11-30", retired: true }),
      expect.objectContaining({ ref: "anthropic/claude-sonnet-5-5", alias: "sonnet", endOfLife: null, retired: false, default: true }),
    ]);
  });
});
