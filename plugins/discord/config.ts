import type { ChannelConfigDeclaration, ChannelConfigModule } from "../../src/plugin-api.js";

/**
 * What the bot's invite asks for (docs/COMMANDS.md, "Channel setup"): View Channels (1 << 10),
 * Send Messages (1 << 11), Embed Links (1 << 14), Attach Files (1 << 15; long replies go as
 * reply.md), Read Message History (1 << 16), Send Messages in Threads (1 << 38).
 */
export const INVITE_PERMISSIONS = [10, 11, 14, 15, 16, 38].reduce((sum, bit) => sum + 2 ** bit, 0); // 274878024704
export const INVITE_SCOPES = "bot applications.commands";

/** Application flags that allow the Message Content intent (verified bots get the limited one). */
const MESSAGE_CONTENT_FLAGS = 2 ** 18 | 2 ** 19;

/**
 * `channels.discord`: the bot token, REST root, access (`guildPolicy` and `guilds`,
 * keyed by guild id) and slash commands. Read by the core without loading discord.js.
 */
export default ((z, fields) => {
  const guild = z.strictObject({
    requireMention: z.optional(z.boolean()),
    enabled: z.optional(z.boolean()),
    channels: z.optional(fields.describe(z.array(z.string()), "Only these channel ids (and their threads); unset: every channel of the guild")),
    allowFrom: z.optional(fields.idList()),
  });
  const schema = z.strictObject({
    enabled: fields.enabled(),
    token: z.optional(fields.describe(z.string(), "Bot token from the Developer Portal; else DISCORD_BOT_TOKEN")),
    apiRoot: z.optional(fields.describe(z.url(), "REST base, e.g. http://127.0.0.1:9000/api")),
    allowFrom: fields.allowFrom(),
    dmPolicy: fields.dmPolicy(),
    guildPolicy: fields.groupPolicy("guilds"),
    guilds: z.optional(fields.describe(z.record(z.string(), guild), "Guilds (servers) the bot answers in, by guild id")),
    requireMention: fields.requireMention(),
    shards: z.optional(
      fields.describe(
        z.union([
          z.literal("auto"),
          z
            .strictObject({
              count: z.number().check(z.int(), z.gte(1)),
              ids: z.optional(fields.describe(z.array(z.number().check(z.int(), z.gte(0))).check(z.minLength(1)), "Shards this gateway runs; unset: all of them")),
            })
            .check(z.refine((s) => !s.ids || s.ids.every((id) => id < s.count), { message: "every shard id must be below count", path: ["ids"] })),
        ]),
        'Discord sharding: "auto" (Discord\'s recommended count, all in this gateway) or { count, ids }; gateways on a shared Redis hold one lease per shard group',
      ),
    ),
    commands: z.optional(
      z.strictObject({
        native: fields.describe(z._default(z.boolean(), true), "Register slash commands"),
        guildIds: z.optional(fields.describe(z.array(z.string()), "Register slash commands per guild (instant) instead of globally")),
      }),
    ),
  });
  return {
    schema,
    help: "Discord bot (discord.js; DMs, guild channels and threads, slash commands)",
    envKeys: ["DISCORD_BOT_TOKEN"],
    access: { groupsKey: "guilds", groupPolicyKey: "guildPolicy", groupIdFrom: "guildId" },
    shouldStart: (section, env) => (section ? section.enabled : Boolean(env.DISCORD_BOT_TOKEN)),
    nativeCommands: (section) => section.commands?.native !== false,
    // one holder per bot token and shard group
    connectionIdentity: (section, env) => {
      const bot = `bot:${section.token ?? env.DISCORD_BOT_TOKEN ?? ""}`;
      const shards = section.shards;
      if (!shards || shards === "auto") return bot;
      const ids = shards.ids ?? Array.from({ length: shards.count }, (_, i) => i);
      return `${bot}:shards:${[...ids].sort((a, b) => a - b).join(",")}/${shards.count}`;
    },
    setup: {
      label: "Discord",
      tokenEnv: "DISCORD_BOT_TOKEN",
      tokenKey: "token",
      tokenHelp: "At https://discord.com/developers/applications: New Application, then Bot → Reset Token, and paste the token.",
      ownerHelp: "Your Discord user id (User Settings → Advanced → Developer Mode on; then right-click your name → Copy User ID).",
      ownerId: /^\d{15,21}$/,
      check: async (token, apiRoot, fetch) => {
        if (/\s/.test(token) || token.length < 30) return { ok: false, problem: "a bot token is one long word of letters, digits, dots, - and _ (copy it again from Bot → Reset Token)" };
        const base = `${(apiRoot ?? "https://discord.com/api").replace(/\/+$/, "")}/v10`;
        const headers = { authorization: `Bot ${token}` };
        const res = await fetch(`${base}/users/@me`, { headers });
        if (res.status === 401) return { ok: false, problem: "Discord refused this token (GET /users/@me: 401 Unauthorized); reset it under Bot → Reset Token and paste the new one" };
        const user = (await res.json().catch(() => undefined)) as { id?: string; username?: string } | undefined;
        if (!res.ok || !user?.id) return { ok: false, problem: `Discord answered GET /users/@me with HTTP ${res.status}` };
        const app = await fetch(`${base}/applications/@me`, { headers })
          .then((r) => (r.ok ? (r.json() as Promise<{ id?: string; flags?: number }>) : undefined))
          .catch(() => undefined);
        const invite = `https://discord.com/oauth2/authorize?client_id=${app?.id ?? user.id}&scope=${encodeURIComponent(INVITE_SCOPES)}&permissions=${INVITE_PERMISSIONS}`;
        const intent =
          typeof app?.flags === "number" && (app.flags & MESSAGE_CONTENT_FLAGS) !== 0
            ? []
            : ["Turn on Message Content Intent (Developer Portal → Bot → Privileged Gateway Intents): without it the bot cannot read messages in servers."];
        return { ok: true, account: `${user.username ?? "bot"} (id ${user.id})`, notes: [`Invite it to a server: ${invite}`, ...intent] };
      },
    },
  } satisfies ChannelConfigDeclaration<typeof schema>;
}) satisfies ChannelConfigModule;
