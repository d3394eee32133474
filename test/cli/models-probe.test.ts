import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { type CliHome, fakeSecret, freshHomeForEachTest, json, readJson, runBaton, writeJson } from "./helpers.js";

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());

const unauthorized = { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } };
const rateLimited = { error: { status: 429, type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" }, retryAfterSeconds: 40 };

describe("baton models status --probe", () => {
  it("sends one tiny request per profile, reports each failure class, records the outcomes, and exits as --check", async () => {
    fake.reset();
    const good = fakeSecret("api-key");
    const revoked = fakeSecret("api-key");
    const limited = fakeSecret("api-key");
    writeJson(home.storePath(), {
      version: 1,
      profiles: {
        "anthropic:good": { type: "api_key", provider: "anthropic", key: good },
        "anthropic:revoked": { type: "api_key", provider: "anthropic", key: revoked },
        "anthropic:limited": { type: "api_key", provider: "anthropic", key: limited },
      },
    });
    fake.script(revoked, unauthorized);
    fake.script(limited, rateLimited);
    const env = { ANTHROPIC_BASE_URL: fake.url };

    const result = await runBaton(home, ["models", "status", "--probe", "--json"], { env });
    expect(result.code, result.stderr).toBe(1);
    const report = json(result);
    const byId = Object.fromEntries(report.probes.map((p: any) => [p.profileId, p]));
    expect(byId["anthropic:good"]).toMatchObject({ provider: "anthropic", ok: true, latencyMs: expect.any(Number) });
    expect(byId["anthropic:revoked"]).toMatchObject({ ok: false, failureClass: "auth", status: 401, error: expect.stringContaining("invalid x-api-key") });
    expect(byId["anthropic:limited"]).toMatchObject({ ok: false, failureClass: "rate_limit", status: 429 });
    // one request each (no retries), max_tokens 1, the cheapest current model, the key it probes
    expect(fake.requests).toHaveLength(3);
    for (const request of fake.requests) expect(request.body).toMatchObject({ max_tokens: 1, model: expect.stringMatching(/haiku/) });
    expect(new Set(fake.requests.map((r) => r.credential))).toEqual(new Set([good, revoked, limited]));

    // recorded like a turn's outcome: the gateway (another process) sees the same store
    expect(report.auth.unusableProfiles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ profileId: "anthropic:revoked", kind: "rejected", reason: "auth" }),
        expect.objectContaining({ profileId: "anthropic:limited", kind: "cooldown", reason: "rate_limit", model: byId["anthropic:limited"].model }),
      ]),
    );
    expect(readJson(home.storePath()).usageStats["anthropic:revoked"].failureCounts).toEqual({ auth: 1 });
    expect((await runBaton(home, ["models", "status", "--check"], { env })).code).toBe(1);

    // the key works again (e.g. restored in the Console): the next probe clears the rejection
    const again = await runBaton(home, ["models", "status", "--probe"], { env });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/Probes\n/);
    expect(again.stdout).toMatch(/anthropic:revoked\s+\S*haiku\S*\s+ok \d+ms/);
    expect(readJson(home.storePath()).usageStats["anthropic:revoked"].failureCounts).toEqual({});
  });

  it("human output names the failure class and status; an expired token is skipped; no profile: the environment key is probed", async () => {
    fake.reset();
    const revoked = fakeSecret("api-key");
    writeJson(home.storePath(), {
      version: 1,
      profiles: {
        "anthropic:revoked": { type: "api_key", provider: "anthropic", key: revoked },
        "anthropic:old": { type: "token", provider: "anthropic", token: fakeSecret("setup-token"), expires: Date.now() - 1000 },
      },
    });
    fake.script(revoked, unauthorized);
    const result = await runBaton(home, ["models", "status", "--probe"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/anthropic:revoked\s+\S+\s+auth 401 authentication_error: invalid x-api-key/);
    expect(result.stdout).toMatch(/anthropic:old\s+\S+\s+skipped: expired/);
    expect(result.stdout).toMatch(/anthropic:revoked\s+api_key\s+\S+\s+-\s+rejected \(401: invalid x-api-key\)/);
    expect(fake.requests).toHaveLength(1);

    fake.reset();
    const envHome = await runBaton(home, ["models", "status", "--probe", "--json", "--agent", "other"], { env: { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: fakeSecret("api-key") } });
    expect(envHome.code, envHome.stderr).toBe(0);
    expect(json(envHome).probes).toEqual([expect.objectContaining({ profileId: "env:ANTHROPIC_API_KEY", ok: true })]);
  });

  it("a provider that never answers is a timeout after the probe's bound, not a hang", async () => {
    fake.reset();
    const slow = fakeSecret("api-key");
    writeJson(home.storePath(), { version: 1, profiles: { "anthropic:slow": { type: "api_key", provider: "anthropic", key: slow } } });
    fake.script(slow, { hang: true });
    const result = await runBaton(home, ["models", "status", "--probe", "--json"], { env: { ANTHROPIC_BASE_URL: fake.url, BATON_PROBE_TIMEOUT_MS: "1500" } });
    expect(result.code, result.stderr).toBe(0);
    expect(json(result).probes).toEqual([expect.objectContaining({ profileId: "anthropic:slow", ok: false, failureClass: "timeout" })]);
  }, 60_000);
});
