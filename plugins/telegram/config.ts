import type { ChannelConfigDeclaration, ChannelConfigModule } from "../../src/plugin-api.js";

/**
 * `channels.telegram`: the bot token, Bot API root, access (groups keyed by chat id),
 * webhook mode and the command menu. Read by the core without loading grammY.
 */
export default ((z, fields) => {
  const group = z.strictObject({
    requireMention: z.optional(z.boolean()),
    enabled: z.optional(z.boolean()),
    allowFrom: z.optional(fields.idList()),
  });
  const schema = z.strictObject({
    enabled: fields.enabled(),
    botToken: z.optional(fields.describe(z.string(), "Bot token from @BotFather; else TELEGRAM_BOT_TOKEN")),
    apiRoot: z.optional(fields.describe(z.url(), "Bot API root, e.g. a self-hosted Bot API server")),
    allowFrom: fields.allowFrom(),
    dmPolicy: fields.dmPolicy(),
    groupPolicy: fields.groupPolicy("groups"),
    groups: z.optional(fields.describe(z.record(z.string(), group), "Groups the bot answers in, by chat id (e.g. \"-1001234567890\")")),
    requireMention: fields.requireMention(),
    webhook: z.optional(
      z.strictObject({
        url: z.url(),
        secret: z.string().check(z.minLength(1)),
        host: fields.describe(z._default(z.string(), "127.0.0.1"), "Interface the webhook server binds; put a TLS proxy in front, or set 0.0.0.0 deliberately"),
        port: z._default(z.number().check(z.int(), z.gte(1), z.lte(65535)), 8787),
        path: z._default(z.string(), "/telegram"),
      }),
    ),
    commands: z.optional(z.strictObject({ menu: fields.describe(z._default(z.boolean(), true), "Set the bot's command menu (setMyCommands)") })),
  });
  return {
    schema,
    help: "Telegram bot (grammY; long polling, or a webhook)",
    envKeys: ["TELEGRAM_BOT_TOKEN"],
    shouldStart: (section, env) => (section ? section.enabled : Boolean(env.TELEGRAM_BOT_TOKEN)),
    nativeCommands: (section) => section.commands?.menu !== false,
    // one poller (or webhook owner) per bot token
    connectionIdentity: (section, env) => `bot:${section.botToken ?? env.TELEGRAM_BOT_TOKEN ?? ""}`,
    setup: {
      label: "Telegram",
      tokenEnv: "TELEGRAM_BOT_TOKEN",
      tokenKey: "botToken",
      tokenHelp: "In Telegram, talk to @BotFather: /newbot, choose a name and a username ending in \"bot\", and paste the token it gives (123456789:AA…).",
      ownerHelp: "Your numeric Telegram user id (ask @userinfobot, or send /whoami to the bot once it runs).",
      ownerId: /^\d{1,20}$/,
      check: async (token, apiRoot, fetch) => {
        if (!/^\d+:[\w-]+$/.test(token)) return { ok: false, problem: "a bot token looks like 123456789:AA… (the bot's id, a colon, then letters, digits, - and _)" };
        const res = await fetch(`${(apiRoot ?? "https://api.telegram.org").replace(/\/+$/, "")}/bot${token}/getMe`);
        const body = (await res.json().catch(() => undefined)) as { ok?: boolean; description?: string; result?: { id?: number; username?: string } } | undefined;
        if (res.status === 401 || res.status === 404) return { ok: false, problem: "Telegram does not know this token (getMe: 401 Unauthorized); copy it again from @BotFather" };
        if (!body?.ok || !body.result?.username) return { ok: false, problem: `Telegram answered getMe with HTTP ${res.status}${body?.description ? ` (${body.description})` : ""}` };
        const { username, id } = body.result;
        return { ok: true, account: `@${username} (id ${id})`, notes: [`Say hello to it: https://t.me/${username}`] };
      },
    },
  } satisfies ChannelConfigDeclaration<typeof schema>;
}) satisfies ChannelConfigModule;
