import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

/** `/model list` in chat: the catalog with end-of-life marks, from the cached provider list, never the network. */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const modelCalls = (harness: Harness) => harness.fake.requests.filter((r) => r.path === "/v1/models");

describe("/model list", () => {
  it("marks retired and retiring models, adds what the cached provider list holds, and sends no request", async () => {
    h = await startHarness();
    const cache = path.join(h.stateDir, "cache", "models-anthropic.json");
    fs.mkdirSync(path.dirname(cache), { recursive: true, mode: 0o700 });
    fs.writeFileSync(cache, JSON.stringify({ version: 1, provider: "anthropic", fetchedAt: Date.now(), models: [{ id: "claude-mythos-5-2", displayName: "Claude Mythos 5.2" }] }));
    const list = await h.say("/model list");
    expect(list).toMatch(/opus — anthropic\/claude-opus-5-5/);
    expect(list).toMatch(/anthropic\/claude-sonnet-4-5 — retired 2026-11-30/);
    expect(list).toMatch(/anthropic\/claude-opus-4-5 \(current\) — retires 2027-01-22/);
    expect(list).toContain("anthropic/claude-mythos-5-2");
    expect(modelCalls(h)).toHaveLength(0);
  });

  it("says when this chat's model is retired, and refuses to switch to a retired model, suggesting the current one", async () => {
    h = await startHarness({ config: { agents: { defaults: { model: "anthropic/claude-sonnet-4-5", models: { "anthropic/claude-sonnet-4-5": { alias: "old" }, "anthropic/claude-sonnet-5-5": { alias: "sonnet" } } } } } });
    const list = await h.say("/model list");
    expect(list).toMatch(/old — anthropic\/claude-sonnet-4-5 \(current\) — retired 2026-11-30/);
    expect(list).toContain("This chat's model anthropic/claude-sonnet-4-5 is past its end of life");
    expect(await h.say("/model")).toContain("This model is past its end of life (2026-11-30): requests to it fail.");
    expect(await h.say("/model old")).toBe("anthropic/claude-sonnet-4-5 reached its end of life on 2026-11-30; requests to it fail. Try sonnet (anthropic/claude-sonnet-5-5).");
    expect(await h.say("/model sonnet")).toContain("Model set to sonnet (anthropic/claude-sonnet-5-5)");
    expect(modelCalls(h)).toHaveLength(0);
  });

  it("a corrupt cache file does not break /model list; the owner is pointed at --refresh without a server path", async () => {
    h = await startHarness();
    const cache = path.join(h.stateDir, "cache", "models-anthropic.json");
    fs.mkdirSync(path.dirname(cache), { recursive: true, mode: 0o700 });
    fs.writeFileSync(cache, "{ nope");
    const list = await h.say("/model list");
    expect(list).toContain("anthropic/claude-opus-5-5");
    expect(list).toContain("baton models list --refresh");
    expect(list).not.toContain(h.stateDir);
  });
});
