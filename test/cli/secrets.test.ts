import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, expectNoSecretLeak, fakeSecret, makeHome, runBaton, transcripts, writeJson, type CliHome } from "./helpers.js";

/**
 * Every auth command, in its normal, JSON and error forms, with secrets everywhere Baton reads
 * them from (store, env, <state>/.env, Claude Code credentials): no output may hold one whole.
 * (Each CLI test file also checks its own transcript in afterAll.)
 */

let home: CliHome;
beforeAll(assertBuilt);
afterAll(() => home?.cleanup());

describe("secrets in CLI output", () => {
  it("no command prints a whole secret", async () => {
    home = makeHome();
    const apiKey = fakeSecret("api-key");
    const token = fakeSecret("setup-token");
    const envKey = fakeSecret("api-key");
    const dotenvKey = fakeSecret("openrouter");
    const access = fakeSecret("oauth-access");
    const refresh = fakeSecret("oauth-refresh");
    writeJson(home.claudeCredentialsPath, { claudeAiOauth: { accessToken: access, refreshToken: refresh, expiresAt: Date.now() + 3_600_000 } });
    const env = { ANTHROPIC_API_KEY: envKey };

    await runBaton(home, ["onboard", "--anthropic-api-key", apiKey], { env });
    await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic", "--expires-in", "2h"], { input: token, env });
    fs.writeFileSync(home.envFile, `OPENROUTER_API_KEY=${dotenvKey}\n`, { mode: 0o600 });
    const commands = [
      ["models", "status"],
      ["models", "status", "--json"],
      ["models", "status", "--check"],
      ["models", "status", "--json", "--agent", "other"],
      ["models", "auth", "list"],
      ["models", "auth", "list", "--json"],
      ["models", "auth", "order", "get", "--provider", "anthropic"],
      ["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:manual", "anthropic:default"],
      ["models", "auth", "cooldown", "list", "--json"],
      ["doctor"],
      ["doctor", "--json"],
      ["onboard", "--non-interactive"],
      ["onboard", "--auth-choice", "claude-cli"],
      ["models", "auth", "setup-token", "--provider", "anthropic"],
    ];
    for (const args of commands) await runBaton(home, args, { env });

    // refusals and failures must not echo the value either
    await runBaton(home, ["onboard", "--anthropic-api-key", `${fakeSecret("api-key")}…`]);
    await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic"], { input: (() => { const t = fakeSecret("setup-token"); return `${t.slice(0, 50)}\n${t.slice(50)}`; })() });
    await runBaton(home, ["models", "auth", "paste-token", "--provider", "anthropic"], { input: fakeSecret("openrouter") });
    await runBaton(home, ["onboard", "--auth-choice", "setup-token"], { input: fakeSecret("api-key") });
    const corrupt = fakeSecret("api-key");
    fs.writeFileSync(home.storePath(), `{"version":1,"profiles":{"anthropic:x":{"type":"api_key","provider":"anthropic","key":"${corrupt}"} oops`);
    await runBaton(home, ["models", "status", "--json"]);
    await runBaton(home, ["doctor", "--json"]);
    fs.writeFileSync(home.storePath(), `{"version":1,"profiles":{"anthropic:x":{"type":"token","provider":"anthropic","token":"${corrupt}","expires":"${corrupt}"}}}`);
    await runBaton(home, ["models", "auth", "list"]);

    expect(transcripts.length).toBeGreaterThanOrEqual(commands.length + 9);
    expect(transcripts.some((t) => t.stdout.includes(`${apiKey.slice(0, 8)}…${apiKey.slice(-4)}`))).toBe(true); // masked form is shown
    expectNoSecretLeak();
  }, 120_000);
});
