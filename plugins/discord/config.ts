import type { ChannelConfigDeclaration, ChannelConfigModule } from "../../src/plugin-api.js";

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
    // one gateway connection per bot token
    connectionIdentity: (section, env) => `bot:${section.token ?? env.DISCORD_BOT_TOKEN ?? ""}`,
  } satisfies ChannelConfigDeclaration<typeof schema>;
}) satisfies ChannelConfigModule;
