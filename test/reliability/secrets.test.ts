import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import JSON5 from "json5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "../cli/helpers.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import { waitFor } from "../support/wait.js";
import { runCli, snapshotBuild, startGatewayProcess, type BuildSnapshot, type GatewayProcess } from "./baton-process.js";
import { listTree } from "./state-files.js";

/**
 * Secrets (issue 8): representative flows of the built CLI and gateway — onboarding with an API
 * key, pasting a setup-token, Claude Code OAuth credentials, `models status` (+ --json), `auth
 * list`, `doctor`, `agent -m "/model status"`, turns whose Anthropic errors quote the credential
 * that was refused, a gateway that fails over across all three credentials in a Telegram chat,
 * a gateway whose bot token is refused, and a gateway whose Bot API goes away (grammY's network
 * errors quote the request URL, which holds the token). Nothing they print, log, send to the chat or write outside the
 * credential stores may hold a whole secret, nor the part a masked display hides.
 */

const mark = (prefix: string, tag: string, bytes: number) => `${prefix}${tag}${randomBytes(bytes).toString("base64url").replace(/[-_]/g, "x")}`;
const API_KEY = mark("sk-ant-api03-", "RELIABILITYAPIKEY", 60);
const SETUP_TOKEN = mark("sk-ant-oat01-", "RELIABILITYSETUP", 60);
const OAUTH_ACCESS = mark("sk-ant-oat01-", "RELIABILITYACCESS", 48);
const OAUTH_REFRESH = mark("sk-ant-ort01-", "RELIABILITYREFRESH", 48);
const BOT_TOKEN = `7123456789:AAH${randomBytes(24).toString("base64url").replace(/[-_]/g, "x").slice(0, 32)}`;
const WRONG_BOT_TOKEN = `7123456788:AAX${randomBytes(24).toString("base64url").replace(/[-_]/g, "x").slice(0, 32)}`;
const SECRETS = { API_KEY, SETUP_TOKEN, OAUTH_ACCESS, OAUTH_REFRESH, BOT_TOKEN, WRONG_BOT_TOKEN };

let build: BuildSnapshot | undefined;
let anthropic: FakeAnthropic | undefined;
let telegram: FakeTelegram | undefined;
let gateway: GatewayProcess | undefined;
let home: string | undefined;

beforeAll(async () => {
  assertBuilt();
  build = await snapshotBuild();
});
afterAll(async () => {
  if (gateway && gateway.exitedAt === undefined) {
    gateway.child.kill("SIGKILL");
    await gateway.exited;
  }
  await telegram?.close();
  await anthropic?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
  build?.remove();
});

/** Anthropic refuses each credential with a message that quotes it, as some proxies and old APIs do. */
function scriptRefusals(fake: FakeAnthropic): void {
  fake.script(API_KEY, { error: { status: 401, type: "authentication_error", message: `invalid x-api-key: ${API_KEY}` }, times: 20 });
  fake.script(SETUP_TOKEN, { error: { status: 429, type: "rate_limit_error", message: `rate limit exceeded for ${SETUP_TOKEN}` }, retryAfterSeconds: 5, times: 20 });
  fake.script(OAUTH_ACCESS, { midStreamError: { type: "overloaded_error", message: `Overloaded while serving ${OAUTH_ACCESS}` }, afterText: "", times: 20 });
}

describe("secrets", () => {
  it("no output, log, chat message or state file holds a whole key, token or bot token", async () => {
    anthropic = await startFakeAnthropic();
    telegram = await startFakeTelegram({ token: BOT_TOKEN });
    home = fs.mkdtempSync(path.join(os.tmpdir(), "baton-secrets-"));
    const stateDir = path.join(home, ".baton");
    const where = { bin: build!.bin, home, stateDir, env: { ANTHROPIC_BASE_URL: anthropic.url } };
    const outputs: { what: string; text: string }[] = [];
    const cli = async (args: string[], input = "", env: Record<string, string> = {}) => {
      const run = await runCli({ ...where, env: { ...where.env, ...env } }, args, input);
      outputs.push({ what: `baton ${args.join(" ")} (exit ${run.code})`, text: `${run.stdout}\n${run.stderr}` });
      return run;
    };

    // set-up: an API key, a setup-token, Claude Code's OAuth login
    expect((await cli(["onboard", "--non-interactive", "--anthropic-api-key", API_KEY])).code).toBe(0);
    expect((await cli(["models", "auth", "paste-token", "--provider", "anthropic"], `${SETUP_TOKEN}\n`)).code).toBe(0);
    const credentials = path.join(home, ".claude", ".credentials.json");
    fs.mkdirSync(path.dirname(credentials), { recursive: true });
    fs.writeFileSync(credentials, JSON.stringify({ claudeAiOauth: { accessToken: OAUTH_ACCESS, refreshToken: OAUTH_REFRESH, expiresAt: Date.now() + 10 * 3_600_000 } }), { mode: 0o600 });

    const status = JSON.parse((await cli(["models", "status", "--json"])).stdout);
    expect(status.auth.profiles.map((p: { id: string }) => p.id).sort()).toEqual(["anthropic:claude-cli", "anthropic:default", "anthropic:manual"]);
    for (const args of [["models", "status"], ["models", "auth", "list"], ["models", "auth", "list", "--json"], ["doctor"], ["doctor", "--json"]]) {
      await cli(args);
    }
    await cli(["agent", "-m", "/model status"]);
    await cli(["agent", "-m", "/model status", "--json"]);

    // turns: every credential refused with an error that quotes it
    scriptRefusals(anthropic);
    const failed = await cli(["agent", "-m", "hello"]);
    expect(failed.code).toBe(1);
    await cli(["agent", "-m", "hello again", "--json"]);
    await cli(["models", "status", "--json"]);
    await cli(["models", "auth", "cooldown", "list", "--json"]);
    await cli(["models", "auth", "cooldown", "clear"]);

    // gateways: a refused bot token, then a run with failover in a chat
    const configPath = path.join(stateDir, "baton.json5");
    const config = JSON5.parse(fs.readFileSync(configPath, "utf8"));
    const withTelegram = (apiRoot: string) =>
      fs.writeFileSync(configPath, JSON.stringify({ ...config, channels: { telegram: { apiRoot, dmPolicy: "open" } }, gateway: { logLevel: "debug" } }, null, 2), { mode: 0o600 });
    withTelegram(telegram.url);
    // a refused token: the channel is reported down (masked) and retried; the gateway stays up and stops cleanly
    const refused = await startGatewayProcess({ ...where, env: { ...where.env, TELEGRAM_BOT_TOKEN: WRONG_BOT_TOKEN } });
    expect(refused.stderr()).toMatch(/telegram: down \(retrying/);
    refused.child.kill("SIGTERM");
    expect((await refused.exited).code).toBe(0);
    outputs.push({ what: "baton gateway (refused token)", text: `${refused.stdout()}\n${refused.stderr()}` });
    anthropic.reset();
    scriptRefusals(anthropic);
    gateway = await startGatewayProcess({ ...where, env: { ...where.env, TELEGRAM_BOT_TOKEN: BOT_TOKEN } });
    const user = { id: 4242 };
    telegram.pushUserMessage({ from: user, text: "hello from telegram" });
    await telegram.waitForSent((r) => r.chat_id === user.id && /No available auth profile|Anthropic/.test(r.plain_text), 30_000);
    // each command from a chat of its own, so Telegram's one-message-a-second per chat does not queue the replies
    const commands = ["/model status", "/status", "/whoami", "/model list"].map((text, i) => ({ text, chatId: user.id + 1 + i }));
    for (const { text, chatId } of commands) telegram.pushUserMessage({ from: { id: chatId }, text });
    for (const { text, chatId } of commands) await telegram.waitFor(() => telegram!.sent.some((r) => r.chat_id === chatId), 30_000, `a reply to ${text}`);
    // The Bot API goes away: failed calls are logged, and grammY's network errors carry the request URL, token included.
    await telegram.close();
    await waitFor(() => /getUpdates failed/.test(gateway!.stderr()), { timeoutMs: 30_000, what: "a logged getUpdates failure" });
    gateway.child.kill("SIGTERM");
    expect((await gateway.exited).code).toBe(0);
    outputs.push({ what: "baton gateway (telegram run)", text: `${gateway.stdout()}\n${gateway.stderr()}` });
    outputs.push({ what: "Telegram chat", text: telegram.sent.map((r) => `${r.text}\n${r.plain_text}`).join("\n") });
    outputs.push({ what: "Telegram API calls", text: JSON.stringify(telegram.calls.map((c) => c.params)) });

    // state files: secrets belong in the auth store's profiles (and Claude Code's own file) only
    for (const [file] of listTree(home)) {
      const full = path.join(home, file);
      if (file === path.join(".claude", ".credentials.json")) continue;
      let text = fs.readFileSync(full, "utf8");
      if (path.basename(file) === "auth-profiles.json") text = JSON.stringify({ ...JSON.parse(text), profiles: undefined });
      outputs.push({ what: `file ${file}`, text });
    }

    // The outputs are real: the masked forms show up, and the refusals reached the chat.
    const everything = outputs.map((o) => o.text).join("\n");
    expect(everything).toContain(`${API_KEY.slice(0, 8)}…${API_KEY.slice(-4)}`);
    expect(everything).toContain("anthropic:manual");
    expect(telegram.sent.some((r) => r.plain_text.includes("Anthropic rejected the API key") || r.plain_text.includes("No available auth profile"))).toBe(true);
    expect(outputs.length).toBeGreaterThanOrEqual(20);

    const leaks: string[] = [];
    for (const { what, text } of outputs) {
      for (const [name, secret] of Object.entries(SECRETS)) {
        if (text.includes(secret)) leaks.push(`${what}: ${name} whole`);
        else if (text.includes(secret.slice(8, -4))) leaks.push(`${what}: ${name}'s hidden part`);
      }
    }
    expect(leaks).toEqual([]);
  }, 180_000);
});
