import fs from "node:fs";
import JSON5 from "json5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import { freePort } from "../support/net.js";
import { type CliHome, fileMode, freshHomeForEachTest, runBaton } from "./helpers.js";

/**
 * `baton onboard` setting up chat channels without a terminal: tokens checked against the
 * Telegram and Discord fakes (getMe, GET /users/@me), written to <state>/.env (0600) and never to
 * the config; owners into allowFrom; re-running says what exists.
 */

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

let telegram: FakeTelegram;
let discord: FakeDiscord;
beforeAll(async () => {
  telegram = await startFakeTelegram({ username: "baton_test_bot" });
  discord = await startFakeDiscord();
});
afterAll(async () => {
  await telegram.close();
  await discord.close();
});

const config = () => JSON5.parse(fs.readFileSync(home.configPath, "utf8"));
const envFile = () => fs.readFileSync(home.envFile, "utf8");

/** A config pointing both channels at the fakes (apiRoot), as a user with a local Bot API server would. */
function pointAtFakes(): void {
  fs.mkdirSync(home.stateDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(home.configPath, JSON5.stringify({ channels: { telegram: { apiRoot: telegram.url }, discord: { apiRoot: discord.apiRoot } } }));
}

describe("baton onboard: channels from flags", () => {
  it("checks both tokens, writes them to .env (0600) only, and the owners to allowFrom", async () => {
    pointAtFakes();
    const result = await runBaton(home, [
      "onboard",
      "--non-interactive",
      "--telegram-token",
      telegram.token,
      `--discord-token=${discord.token}`,
      "--owner",
      "telegram:123456789",
      "--owner",
      "discord:111111111111111111",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Telegram: bot @baton_test_bot (id 7000000001)");
    expect(result.stdout).toContain(`token ${telegram.token.slice(0, 8)}…${telegram.token.slice(-4)} saved as TELEGRAM_BOT_TOKEN in ${home.envFile} (0600)`);
    expect(result.stdout).toContain(`Discord: bot Baton (id ${discord.applicationId})`);
    expect(result.stdout).toContain(
      `Invite it to a server: https://discord.com/oauth2/authorize?client_id=${discord.applicationId}&scope=bot%20applications.commands&permissions=274878024704`,
    );
    expect(result.stdout).toContain("Message Content Intent"); // the fake's application has no intent flags
    expect(result.stdout).not.toContain(telegram.token);
    expect(result.stdout).not.toContain(discord.token);

    expect(envFile()).toBe(`DISCORD_BOT_TOKEN=${discord.token}\nTELEGRAM_BOT_TOKEN=${telegram.token}\n`);
    expect(fileMode(home.envFile)).toBe(0o600);
    expect(config().channels).toEqual({
      telegram: { apiRoot: telegram.url, allowFrom: ["123456789"] },
      discord: { apiRoot: discord.apiRoot, allowFrom: ["111111111111111111"] },
    });
    expect(fs.readFileSync(home.configPath, "utf8")).not.toContain(telegram.token);
    // what onboarding wrote is a config the gateway accepts, with the tokens from .env
    expect((await runBaton(home, ["config", "validate"])).code).toBe(0);
    expect(telegram.calls.some((c) => c.method === "getMe")).toBe(true);
    expect(discord.requests.some((r) => r.path === "/users/@me")).toBe(true);
  });

  it("refuses a token the platform does not know, saving nothing for that channel", async () => {
    pointAtFakes();
    const before = fs.readFileSync(home.configPath, "utf8");
    const result = await runBaton(home, ["onboard", "--telegram-token", "7000000001:AAWrongTokenWrongTokenWrongToken", "--owner", "telegram:42"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Telegram: Telegram does not know this token (getMe: 401 Unauthorized); copy it again from @BotFather. Nothing was saved for channels.telegram.");
    expect(result.stderr).not.toContain("AAWrongTokenWrongTokenWrongToken");
    expect(fs.existsSync(home.envFile)).toBe(false);
    expect(fs.readFileSync(home.configPath, "utf8")).toBe(before);

    const discordResult = await runBaton(home, ["onboard", "--discord-token", "x".repeat(59)]);
    expect(discordResult.code).toBe(1);
    expect(discordResult.stderr).toContain("Discord refused this token (GET /users/@me: 401 Unauthorized)");
  });

  it("says when the platform cannot be reached, without the token", async () => {
    fs.mkdirSync(home.stateDir, { recursive: true, mode: 0o700 });
    const down = `http://127.0.0.1:${await freePort()}`;
    fs.writeFileSync(home.configPath, `{ channels: { telegram: { apiRoot: "${down}" } } }`);
    const result = await runBaton(home, ["onboard", "--telegram-token", telegram.token]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Telegram: could not reach Telegram at ${down} (ECONNREFUSED). Nothing was saved for channels.telegram.`);
    expect(result.stderr).not.toContain(telegram.token);
  });

  it("re-running names what exists, replaces the token, keeps the rest of .env and adds owners", async () => {
    pointAtFakes();
    fs.writeFileSync(home.envFile, `# mine\nANTHROPIC_API_KEY=sk-ant-api03-kept\nTELEGRAM_BOT_TOKEN=7000000001:AAOldOldOldOldOldOldOld\n`, { mode: 0o600 });
    const ownersOnly = await runBaton(home, ["onboard", "--owner", "telegram:42"]);
    expect(ownersOnly.stderr).toBe("");
    expect(ownersOnly.code).toBe(0);
    expect(ownersOnly.stdout).toContain(`Telegram: token kept (70000000…dOld from ${home.envFile} (TELEGRAM_BOT_TOKEN))`);
    const result = await runBaton(home, ["onboard", "--telegram-token", telegram.token, "--owner", "telegram:43"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`(replaces the token 70000000…dOld from ${home.envFile} (TELEGRAM_BOT_TOKEN))`);
    expect(envFile()).toBe(`# mine\nANTHROPIC_API_KEY=sk-ant-api03-kept\nTELEGRAM_BOT_TOKEN=${telegram.token}\n`);
    expect(config().channels.telegram.allowFrom).toEqual(["42", "43"]);
  });

  it("moves a token written in the config out to .env", async () => {
    fs.mkdirSync(home.stateDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(home.configPath, JSON5.stringify({ channels: { telegram: { apiRoot: telegram.url, botToken: "7000000001:AAOldOldOldOldOldOldOld" } } }));
    const result = await runBaton(home, ["onboard", "--telegram-token", telegram.token]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("replaces the token 70000000…dOld from the config (channels.telegram.botToken)");
    expect(result.stdout).toContain(`channels.telegram.botToken removed from the config (the token is in ${home.envFile} now)`);
    expect(config().channels.telegram).toEqual({ apiRoot: telegram.url });
  });

  it("rejects unknown channel flags and malformed owners as usage errors", async () => {
    const unknown = await runBaton(home, ["onboard", "--matrix-token", "abc"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option or argument "--matrix-token" (channel flags: --discord-token, --telegram-token)');
    const owner = await runBaton(home, ["onboard", "--owner", "telegram:@alice"]);
    expect(owner.code).toBe(2);
    expect(owner.stderr).toContain("--owner telegram:@alice: not a Telegram user id.");
    const noValue = await runBaton(home, ["onboard", "--telegram-token"]);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain("--telegram-token needs the bot token");
    expect(fs.existsSync(home.configPath)).toBe(false);
  });
});
