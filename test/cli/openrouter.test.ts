import fs from "node:fs";
import path from "node:path";
import JSON5 from "json5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../fakes/openrouter/index.js";
import { type CliHome, fakeSecret, freshHomeForEachTest, json, readJson, runBaton } from "./helpers.js";

/** OpenRouter from the command line (DESIGN §12): onboarding, status, doctor, the model list and a turn that fails over to it. */

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

let anthropic: FakeAnthropic;
let openrouter: FakeOpenRouter;
beforeAll(async () => {
  [anthropic, openrouter] = await Promise.all([startFakeAnthropic(), startFakeOpenRouter()]);
});
afterAll(async () => {
  await Promise.all([anthropic.close(), openrouter.close()]);
});

const FALLBACK = "openrouter/anthropic/claude-opus-4.5";
const fakes = () => ({ ANTHROPIC_BASE_URL: anthropic.url, OPENROUTER_BASE_URL: openrouter.url });

describe("baton with OpenRouter", () => {
  it("a turn whose only Anthropic key is rejected is answered through OpenRouter (onboarded as the fallback)", async () => {
    const anthropicKey = fakeSecret("api-key");
    const openrouterKey = fakeSecret("openrouter");
    expect((await runBaton(home, ["onboard", "--anthropic-api-key", anthropicKey, "--openrouter-api-key", openrouterKey])).code).toBe(0);
    anthropic.script(anthropicKey, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    const turn = await runBaton(home, ["agent", "-m", "across providers", "--json"], { env: fakes() });
    expect(turn.code, turn.stderr).toBe(0);
    expect(json(turn)).toMatchObject({ ok: true, reply: expect.stringMatching(/^echo: across providers\n\n\(Answered by /), model: FALLBACK, profileId: "openrouter:default" });
    expect(openrouter.requests.at(-1)?.credential).toBe(openrouterKey);
    expect(`${turn.stdout}${turn.stderr}`).not.toContain(openrouterKey);

    // models status: both providers in use; the rejected Anthropic key is shown, the OpenRouter one is effective
    const status = json(await runBaton(home, ["models", "status", "--json"], { env: fakes() }));
    const providers = Object.fromEntries(status.auth.providers.map((p: { provider: string }) => [p.provider, p]));
    expect(providers.openrouter).toMatchObject({ inUse: true, envVar: { name: "OPENROUTER_API_KEY", set: false }, effective: { source: "profile", profileId: "openrouter:default" } });
    expect(providers.anthropic.inUse).toBe(true);
  });

  it("doctor: a fallback provider without a credential fails, OPENROUTER_API_KEY fixes it; a provider Baton cannot call fails", async () => {
    expect((await runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key")])).code).toBe(0);
    const config = JSON5.parse(fs.readFileSync(home.configPath, "utf8"));
    fs.writeFileSync(home.configPath, JSON.stringify({ ...config, agents: { defaults: { model: { fallbacks: [FALLBACK] } } } }));
    const missing = await runBaton(home, ["doctor", "--json"]);
    expect(missing.code).toBe(1);
    expect(json(missing).findings).toContainEqual(expect.objectContaining({ check: "credentials", level: "error", message: expect.stringContaining('No API key found for provider "openrouter"') }));
    const check = await runBaton(home, ["models", "status", "--check"]);
    expect(check.code).toBe(1);

    const withEnv = await runBaton(home, ["doctor", "--json"], { env: { OPENROUTER_API_KEY: fakeSecret("openrouter") } });
    expect(withEnv.code, withEnv.stdout).toBe(0);

    fs.writeFileSync(home.configPath, JSON.stringify({ ...config, agents: { defaults: { model: { fallbacks: ["mistral/large-latest"] } } } }));
    const unknown = await runBaton(home, ["doctor", "--json"]);
    expect(unknown.code).toBe(1);
    expect(json(unknown).findings).toContainEqual(
      expect.objectContaining({ check: "models", level: "error", message: 'mistral/large-latest: Baton has no provider "mistral" (it calls anthropic, openrouter), so turns with it fail. Used by a fallback of agent main.' }),
    );
  });

  it("models status --probe probes the OpenRouter key with one max_tokens-1 request to the agent's OpenRouter model, and reports a 402 as billing", async () => {
    const openrouterKey = fakeSecret("openrouter");
    expect((await runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key"), "--openrouter-api-key", openrouterKey])).code).toBe(0);
    const before = openrouter.requests.length;
    const probed = await runBaton(home, ["models", "status", "--probe", "--json"], { env: fakes() });
    const byId = Object.fromEntries(json(probed).probes.map((p: { profileId: string }) => [p.profileId, p]));
    expect(byId["openrouter:default"]).toMatchObject({ provider: "openrouter", ok: true });
    expect(openrouter.requests.slice(before)).toEqual([expect.objectContaining({ credential: openrouterKey, body: expect.objectContaining({ model: "anthropic/claude-opus-4.5", max_tokens: 1 }) })]);
    openrouter.script(openrouterKey, { error: { status: 402, message: "Insufficient credits" } });
    const broke = json(await runBaton(home, ["models", "status", "--probe", "--json"], { env: fakes() }));
    expect(broke.probes.find((p: { profileId: string }) => p.profileId === "openrouter:default")).toMatchObject({ ok: false, failureClass: "billing", status: 402 });
  });

  it("models list --refresh fetches OpenRouter's list without a credential and caches it for 24 h", async () => {
    expect((await runBaton(home, ["onboard", "--anthropic-api-key", fakeSecret("api-key"), "--openrouter-api-key", fakeSecret("openrouter")])).code).toBe(0);
    openrouter.setModels([{ id: "anthropic/claude-opus-4.5", name: "Anthropic: Claude Opus 4.5", created: 1764000000 }, { id: "openai/gpt-4o", name: "OpenAI: GPT-4o" }]);
    const before = openrouter.requests.filter((r) => r.path === "/models").length;
    const listed = await runBaton(home, ["models", "list", "--json", "--refresh"], { env: fakes() });
    expect(listed.code, listed.stderr).toBe(0);
    const report = json(listed);
    expect(report.catalogs).toContainEqual(expect.objectContaining({ provider: "openrouter", source: "live", problem: null }));
    expect(report.models).toContainEqual(expect.objectContaining({ ref: FALLBACK, fallback: true, listed: true, name: "Anthropic: Claude Opus 4.5" }));
    expect(report.models).toContainEqual(expect.objectContaining({ ref: "openrouter/openai/gpt-4o", listed: true }));
    const calls = openrouter.requests.filter((r) => r.path === "/models");
    expect(calls.length).toBe(before + 1);
    expect(calls.at(-1)?.credential).toBeUndefined();
    expect(readJson(path.join(home.stateDir, "cache", "models-openrouter.json"))).toMatchObject({ provider: "openrouter", models: expect.arrayContaining([expect.objectContaining({ id: "openai/gpt-4o" })]) });
    openrouter.setModels([]);
  });
});
