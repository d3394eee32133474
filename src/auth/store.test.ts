import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuthStoreError, readAuthStore, removeProfile, updateAuthStore } from "./store.js";

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-store-"));
  file = path.join(dir, "agents", "main", "agent", "auth-profiles.json");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const API_KEY = `sk-ant-api03-${"s".repeat(60)}`;

describe("readAuthStore", () => {
  it("treats a missing file as an empty store", async () => {
    expect(await readAuthStore(file)).toEqual({ version: 1, profiles: {}, order: {}, usageStats: {} });
  });

  it.each([
    ["truncated JSON", `{"version":1,"profiles":{"anthropic:default":{"type":"api_key","provider":"anthropic","key":"${API_KEY}"`, /invalid JSON: .*ends early/],
    ["garbage", `hello ${API_KEY}`, /invalid JSON: Unexpected token/],
    ["a JSON syntax error after a secret", `{"version":1,"profiles":{"a:b":{"type":"api_key","provider":"a","key":"${API_KEY}"} x}}`, /invalid JSON: .* at line 1, column \d+/],
    ["wrong version", `{"version":2,"profiles":{}}`, /unexpected shape at version/],
    ["unknown profile type", `{"version":1,"profiles":{"a:b":{"type":"password","provider":"a"}}}`, /unexpected shape at profiles\.a:b\.type/],
    ["profile without its secret", `{"version":1,"profiles":{"a:b":{"type":"api_key","provider":"a"}}}`, /unexpected shape at profiles\.a:b\.key/],
  ])("refuses %s, naming the path and the problem, and leaves the file untouched", async (_name, content, problem) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o600 });
    const error = await readAuthStore(file).catch((err) => err);
    expect(error).toBeInstanceOf(AuthStoreError);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain(API_KEY);

    await expect(updateAuthStore(file, (store) => void (store.order.x = ["y"]))).rejects.toBeInstanceOf(AuthStoreError);
    expect(fs.readFileSync(file, "utf8")).toBe(content);
  });

  it("names the path when the file cannot be read", async () => {
    fs.mkdirSync(file, { recursive: true }); // a directory where the file should be
    await expect(readAuthStore(file)).rejects.toThrow(file);
  });

  it("fills usage stats defaults and keeps unknown fields", async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        profiles: { "anthropic:default": { type: "api_key", provider: "anthropic", key: API_KEY, label: "work" } },
        usageStats: { "anthropic:default": { lastUsed: 5 } },
        futureField: { keep: true },
      }),
    );
    const store = await readAuthStore(file);
    expect(store.usageStats["anthropic:default"]).toMatchObject({ lastUsed: 5, errorCount: 0, cooldownUntil: 0, modelCooldowns: {} });
    expect(store.order).toEqual({});

    await updateAuthStore(file, (s) => void (s.order.anthropic = ["anthropic:default"]));
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(raw.futureField).toEqual({ keep: true });
    expect(raw.profiles["anthropic:default"].label).toBe("work");
  });
});

describe("updateAuthStore", () => {
  it("creates the file 0600 in 0700 directories", async () => {
    await updateAuthStore(file, (store) => {
      store.profiles["anthropic:default"] = { type: "api_key", provider: "anthropic", key: API_KEY };
    });
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(path.join(dir, "agents"))).toBe(0o700);
    expect((await readAuthStore(file)).profiles["anthropic:default"]).toEqual({ type: "api_key", provider: "anthropic", key: API_KEY });
  });

  it("tightens a store directory that is too open and writes 0600 even over a 0644 file", async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, JSON.stringify({ version: 1, profiles: {} }), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await updateAuthStore(file, (store) => void (store.order.anthropic = []));
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
  });

  it("does not write when nothing changed", async () => {
    await updateAuthStore(file, () => undefined);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("returns what the mutation returns and leaves no temp or lock files", async () => {
    const result = await updateAuthStore(file, (store) => {
      store.order.anthropic = ["anthropic:a"];
      return 42;
    });
    expect(result).toBe(42);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["auth-profiles.json"]);
  });

  it("writes nothing when the mutation throws", async () => {
    await updateAuthStore(file, (store) => void (store.order.anthropic = ["x"]));
    const before = fs.readFileSync(file, "utf8");
    await expect(
      updateAuthStore(file, (store) => {
        store.order.anthropic = ["changed"];
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("loses no update when many run at once", async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `anthropic:p${i}`);
    await Promise.all(
      ids.map((id) =>
        updateAuthStore(file, async (store) => {
          await new Promise((resolve) => setImmediate(resolve)); // let the others try to interleave
          store.profiles[id] = { type: "api_key", provider: "anthropic", key: `${API_KEY}${id}` };
        }),
      ),
    );
    expect(Object.keys((await readAuthStore(file)).profiles).sort()).toEqual([...ids].sort());
  });
});

describe("removeProfile", () => {
  it("drops the profile, its stats and its order entries", () => {
    const store = {
      version: 1 as const,
      profiles: { "anthropic:a": { type: "api_key" as const, provider: "anthropic", key: "k" }, "anthropic:b": { type: "api_key" as const, provider: "anthropic", key: "k" } },
      order: { anthropic: ["anthropic:a", "anthropic:b"], other: ["anthropic:a"] },
      usageStats: { "anthropic:a": { lastUsed: 1, errorCount: 0, failureCounts: {}, cooldownUntil: 0, disabledUntil: 0, disabledReason: null, modelCooldowns: {} } },
    };
    expect(removeProfile(store, "anthropic:a")).toBe(true);
    expect(store).toEqual({ version: 1, profiles: { "anthropic:b": store.profiles["anthropic:b"] }, order: { anthropic: ["anthropic:b"] }, usageStats: {} });
    expect(removeProfile(store, "anthropic:a")).toBe(false);
  });
});
