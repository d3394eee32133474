import { describe, expect, it } from "vitest";
import { loadChannelCatalog } from "../../config/channel-catalog.js";
import { checkToken, describeExisting, existingChannel, parseChannelRequests, parseOwnerList, setupChannels, type SetupChannel } from "./onboard-channels.js";

/** The pure steps of onboarding a chat channel, on the installed plugins' own setup declarations. */

const channels = setupChannels((await loadChannelCatalog("all")).all());
const byId = (id: string) => channels.find((c) => c.id === id)!;
const TG = "7000000001:AAFakeTelegramTokenForBatonTests_0123";

describe("setupChannels", () => {
  it("offers the channels whose config module declares a setup (not the console)", () => {
    expect(channels.map((c) => [c.id, c.setup.label, c.setup.tokenEnv])).toEqual([
      ["discord", "Discord", "DISCORD_BOT_TOKEN"],
      ["telegram", "Telegram", "TELEGRAM_BOT_TOKEN"],
    ]);
  });
});

describe("parseChannelRequests", () => {
  it.each<[string, string[], string[], Record<string, string>, Record<string, string[]>]>([
    ["a token as the next word", ["--telegram-token", TG], [], { telegram: TG }, {}],
    ["a token after =", [`--discord-token=abc=def`], [], { discord: "abc=def" }, {}],
    ["owners only, de-duplicated", [], ["telegram:42", "telegram:42", "discord:111111111111111111"], {}, { telegram: ["42"], discord: ["111111111111111111"] }],
  ])("%s", (_name, extra, owners, tokens, ownerMap) => {
    const parsed = parseChannelRequests(extra, owners, channels);
    if ("problem" in parsed) throw new Error(parsed.problem);
    expect(Object.fromEntries(parsed.tokens)).toEqual(tokens);
    expect(Object.fromEntries(parsed.owners)).toEqual(ownerMap);
  });

  it.each<[string, string[], string[], string]>([
    ["an unknown channel", ["--matrix-token", "x"], [], 'unknown option or argument "--matrix-token" (channel flags: --discord-token, --telegram-token)'],
    ["a stray word, not echoed (it may be a secret)", ["sk-ant-api03-secret"], [], 'unknown option or argument "…"'],
    ["a misspelt option's value is not echoed", ["--anthropic-api-kee=sk-ant-secret"], [], '"--anthropic-api-kee=…"'],
    ["a token flag without its value", ["--telegram-token"], [], "--telegram-token needs the bot token"],
    ["a token flag followed by another flag", ["--telegram-token", "--discord-token", "x"], [], "--telegram-token needs the bot token"],
    ["an owner without a channel", [], ["42"], "--owner takes <channel>:<user id>"],
    ["an owner of an unknown channel", [], ["matrix:42"], "--owner takes <channel>:<user id>"],
    ["a username instead of an id", [], ["telegram:@alice"], "--owner telegram:@alice: not a Telegram user id. Your numeric Telegram user id"],
    ["a Discord id too short for a snowflake", [], ["discord:42"], "not a Discord user id"],
  ])("refuses %s", (_name, extra, owners, problem) => {
    const parsed = parseChannelRequests(extra, owners, channels);
    expect("problem" in parsed && parsed.problem).toContain(problem);
  });
});

describe("parseOwnerList", () => {
  it("takes ids separated by commas or spaces, and names the first that is not one", () => {
    expect(parseOwnerList(" 42, 43 44,,42 ", byId("telegram").setup)).toEqual(["42", "43", "44"]);
    expect(parseOwnerList("", byId("telegram").setup)).toEqual([]);
    expect(parseOwnerList("42, alice", byId("telegram").setup)).toEqual({ problem: expect.stringMatching(/^"alice" is not a Telegram user id\./) });
  });
});

describe("existingChannel", () => {
  const telegram: SetupChannel = byId("telegram");
  const ENV_FILE = "/s/.env";
  it.each<[string, unknown, Record<string, string>, Record<string, string>, string]>([
    ["nothing", undefined, {}, {}, "no token; no owners"],
    ["a token in .env", { allowFrom: [42, "43"] }, { TELEGRAM_BOT_TOKEN: TG }, { TELEGRAM_BOT_TOKEN: TG }, "token 70000000…0123 from /s/.env (TELEGRAM_BOT_TOKEN); owners 42, 43"],
    ["a token in the process environment", {}, {}, { TELEGRAM_BOT_TOKEN: TG }, "token 70000000…0123 from the environment (TELEGRAM_BOT_TOKEN); no owners"],
    ["a literal token in the config wins", { botToken: "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, { TELEGRAM_BOT_TOKEN: TG }, {}, "token 1:AAAAAA…AAAA from the config (channels.telegram.botToken); no owners"],
    ["${VAR} in the config is the variable's", { botToken: "${TELEGRAM_BOT_TOKEN}" }, { TELEGRAM_BOT_TOKEN: TG }, {}, "token 70000000…0123 from /s/.env (TELEGRAM_BOT_TOKEN); no owners"],
    ["an odd section", "yes", {}, {}, "no token; no owners"],
  ])("%s", (_name, section, dotenv, env, expected) => {
    expect(describeExisting(existingChannel(telegram, section, dotenv, env, ENV_FILE))).toBe(expected);
  });
});

describe("checkToken through the plugins' setup (a scripted fetch)", () => {
  const answer = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  it("Telegram: getMe names the bot; a 401 and a malformed token are refused without the token", async () => {
    const seen: string[] = [];
    const ok = await checkToken(byId("telegram"), TG, "http://tg.local/", async (url) => {
      seen.push(String(url));
      return answer(200, { ok: true, result: { id: 7000000001, username: "baton_bot" } })();
    });
    expect(ok).toEqual({ ok: true, account: "@baton_bot (id 7000000001)", notes: ["Say hello to it: https://t.me/baton_bot"] });
    expect(seen).toEqual([`http://tg.local/bot${TG}/getMe`]);
    const refused = await checkToken(byId("telegram"), TG, undefined, answer(401, { ok: false, error_code: 401, description: "Unauthorized" }));
    expect(refused).toEqual({ ok: false, problem: expect.stringContaining("401 Unauthorized") });
    expect(await checkToken(byId("telegram"), "not a token", undefined, answer(200, {}))).toMatchObject({ ok: false });
    expect(await checkToken(byId("telegram"), "12345", undefined, answer(200, {}))).toMatchObject({ ok: false, problem: expect.stringContaining("123456789:AA") });
  });

  it("a network failure is a problem naming the cause, with the token masked", async () => {
    const failed = await checkToken(byId("telegram"), TG, undefined, async () => {
      throw new TypeError("fetch failed", { cause: { code: "ENOTFOUND", message: `getaddrinfo ENOTFOUND api.telegram.org/bot${TG}` } });
    });
    expect(failed).toEqual({ ok: false, problem: "could not reach Telegram (ENOTFOUND)" });
    const leaky = await checkToken(byId("telegram"), TG, undefined, async () => {
      throw new Error(`bad url /bot${TG}/getMe`);
    });
    expect(leaky.ok === false && leaky.problem).not.toContain(TG);
  });

  it("Discord: GET /users/@me then /applications/@me; the invite asks for bot + applications.commands and the six permissions", async () => {
    const seen: string[] = [];
    const token = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789";
    const result = await checkToken(byId("discord"), token, undefined, async (url, init) => {
      seen.push(`${String(url)} ${(init?.headers as Record<string, string>).authorization === `Bot ${token}`}`);
      return String(url).endsWith("/users/@me") ? answer(200, { id: "1100000000000000001", username: "Baton", bot: true })() : answer(200, { id: "1100000000000000009", flags: 2 ** 19 })();
    });
    expect(seen).toEqual(["https://discord.com/api/v10/users/@me true", "https://discord.com/api/v10/applications/@me true"]);
    // View Channels 1024 + Send Messages 2048 + Embed Links 16384 + Attach Files 32768 + Read Message History 65536 + Send Messages in Threads 2^38
    expect(1024 + 2048 + 16384 + 32768 + 65536 + 2 ** 38).toBe(274878024704);
    expect(result).toEqual({
      ok: true,
      account: "Baton (id 1100000000000000001)",
      notes: ["Invite it to a server: https://discord.com/oauth2/authorize?client_id=1100000000000000009&scope=bot%20applications.commands&permissions=274878024704"],
    });
  });
});
