import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { fakeSecret, fileMode, freshHomeForEachTest, json, runBaton, type CliHome } from "./helpers.js";

let fake: FakeAnthropic;
let home: CliHome;
freshHomeForEachTest((h) => (home = h));
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

const today = () => new Date().toISOString().slice(0, 10);

async function turns(messages: string[]): Promise<{ inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number }[]> {
  expect((await runBaton(home, ["onboard", "--non-interactive", "--anthropic-api-key", fakeSecret("api-key")])).code).toBe(0);
  const usages = [];
  for (const message of messages) {
    const result = await runBaton(home, ["agent", "-m", message, "--json"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(result.code, result.stderr).toBe(0);
    usages.push(json(result).usage);
  }
  return usages;
}

describe("baton usage", () => {
  it("totals equal the usage the fake reported for each `baton agent` turn, grouped as asked", async () => {
    const reported = await turns(["hello", "a longer second message with more words in it", "third"]);
    const sum = (field: keyof (typeof reported)[number]) => reported.reduce((total, u) => total + u[field], 0);
    const total = { inputTokens: sum("inputTokens"), outputTokens: sum("outputTokens"), cacheReadTokens: sum("cacheReadTokens"), cacheWriteTokens: sum("cacheWriteTokens") };
    expect(total.inputTokens).toBeGreaterThan(0);

    const file = path.join(home.stateDir, "usage", `${today()}.json`);
    expect(fileMode(file)).toBe(0o600);
    expect(fileMode(path.dirname(file))).toBe(0o700);

    const byModel = await runBaton(home, ["usage", "--json"]);
    expect(byModel.code, byModel.stderr).toBe(0);
    const report = json(byModel);
    const cost = (total.inputTokens * 5 + total.outputTokens * 25 + total.cacheReadTokens * 0.5 + total.cacheWriteTokens * 6.25) / 1e6;
    expect(report).toMatchObject({ since: null, until: today(), by: "model", unreadable: [], total: { turns: 3, ...total, unpricedTurns: 0 } });
    expect(report.total.costUsd).toBeCloseTo(cost, 6);
    expect(report.groups).toEqual([{ key: "anthropic/claude-opus-4-5", ...report.total }]);

    const bySender = json(await runBaton(home, ["usage", "--json", "--by", "sender", "--since", "7d"]));
    expect(bySender.groups.map((g: any) => [g.key, g.turns])).toEqual([["console:local", 3]]);
    expect(bySender.since).toBe(new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10));
    expect(json(await runBaton(home, ["usage", "--json", "--by", "profile"])).groups.map((g: any) => g.key)).toEqual(["anthropic:default"]);

    const text = await runBaton(home, ["usage", "--by", "agent"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/AGENT\s+TURNS\s+INPUT\s+OUTPUT\s+CACHE READ\s+CACHE WRITE\s+COST/);
    expect(text.stdout).toMatch(new RegExp(`main\\s+3\\s+${total.inputTokens.toLocaleString("en-US")}\\s+${total.outputTokens.toLocaleString("en-US")}`));
    expect(text.stdout).toMatch(/total\s+3\s+/);
  });

  it("loses no turn when several processes record at once", async () => {
    await turns([]);
    const env = { ANTHROPIC_BASE_URL: fake.url };
    const runs = await Promise.all([1, 2, 3, 4].map((i) => runBaton(home, ["agent", "-m", `parallel ${i}`, "--session", `p${i}`, "--json"], { env })));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const reported = runs.map((run) => json(run).usage);
    const report = json(await runBaton(home, ["usage", "--json", "--by", "session"]));
    expect(report.total.turns).toBe(4);
    expect(report.total.inputTokens).toBe(reported.reduce((sum, u) => sum + u.inputTokens, 0));
    expect(report.total.outputTokens).toBe(reported.reduce((sum, u) => sum + u.outputTokens, 0));
    expect(report.groups.map((g: any) => g.key).sort()).toEqual(["console:p1", "console:p2", "console:p3", "console:p4"]);
  });

  it("reports a corrupt day on stderr, leaves it untouched, shows the rest and exits 1", async () => {
    await turns(["hello"]);
    const dir = path.join(home.stateDir, "usage");
    fs.writeFileSync(path.join(dir, "2026-01-01.json"), "{ not json", { mode: 0o600 });
    const result = await runBaton(home, ["usage", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("2026-01-01.json is unreadable");
    expect(json(result).total.turns).toBe(1);
    expect(fs.readFileSync(path.join(dir, "2026-01-01.json"), "utf8")).toBe("{ not json");
  });

  it("answers with nothing recorded, and refuses a malformed --since or --by", async () => {
    const empty = await runBaton(home, ["usage"]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toContain("No usage recorded");
    const since = await runBaton(home, ["usage", "--since", "last week"]);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain("--since takes a duration");
    expect((await runBaton(home, ["usage", "--by", "colour"])).code).not.toBe(0);
  });
});

describe("budgets in baton models status", () => {
  it("lists a profile over its budget as unusable (budget) until the period ends", async () => {
    expect((await runBaton(home, ["onboard", "--non-interactive", "--anthropic-api-key", fakeSecret("api-key")])).code).toBe(0);
    fs.writeFileSync(home.configPath, JSON.stringify({ auth: { profiles: { "anthropic:default": { provider: "anthropic", mode: "api_key", budget: { usd: 0.5, per: "month" } } } } }));
    const usageDir = path.join(home.stateDir, "usage");
    fs.mkdirSync(usageDir, { recursive: true, mode: 0o700 });
    const row = { agentId: "main", sessionKey: "console:cli", sender: "", model: "anthropic/claude-opus-4-5", profileId: "anthropic:default" };
    const amounts = { inputTokens: 1000, outputTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: 0, turns: 1, costUsd: 0.6, unpricedTurns: 0 };
    fs.writeFileSync(path.join(usageDir, `${today()}.json`), JSON.stringify({ version: 1, day: today(), rows: [{ ...row, ...amounts }] }), { mode: 0o600 });

    const status = json(await runBaton(home, ["models", "status", "--json"]));
    const now = new Date();
    const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    expect(status.auth.unusableProfiles).toEqual([expect.objectContaining({ profileId: "anthropic:default", kind: "budget", reason: "budget", until: monthEnd })]);
  });
});
