import { z } from "zod";

/**
 * The whole Baton config, one zod schema. Defaults live here and nowhere else;
 * `baton config schema` prints the JSON Schema generated from it.
 */

const id = z.string().min(1);
const stringList = z.array(z.string());
/** User ids allowed to talk to the bot; `"*"` allows everyone. Numbers are accepted and kept as strings. */
const allowList = z.array(z.union([z.string(), z.number()]).transform(String));

export const CacheTtl = z.enum(["5m", "1h"]);

export const ModelParams = z
  .object({
    cacheControlTtl: CacheTtl.optional().describe('Prompt-cache TTL ("5m" or "1h"); unset keeps Anthropic\'s default'),
    maxTokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(1).optional(),
  })
  .strict();

export const ModelEntry = z
  .object({
    alias: z.string().optional().describe("Short name usable in /model, e.g. opus"),
    params: ModelParams.optional(),
  })
  .strict();

export const ModelSelection = z
  .object({
    primary: z.string().optional().describe('provider/model, e.g. "anthropic/claude-opus-4-5"'),
    fallbacks: stringList.optional().describe("Models tried in order when every profile of the primary's provider is unusable"),
  })
  .strict();

export const HistoryLimits = z
  .object({
    maxMessages: z.number().int().positive().default(40),
    maxTokens: z.number().int().positive().default(24_000),
  })
  .strict();

export const AgentDefaults = z
  .object({
    model: z.union([z.string().transform((primary) => ({ primary, fallbacks: undefined as string[] | undefined })), ModelSelection]).optional(),
    models: z.record(z.string(), ModelEntry).optional().describe("Allowed models (keys provider/model); when non-empty it is the allowlist"),
    systemPrompt: z.string().optional(),
    maxTokens: z.number().int().positive().optional(),
    history: HistoryLimits.optional(),
  })
  .strict();

export const AgentEntry = z
  .object({
    id: id.regex(/^[a-z0-9][a-z0-9_-]*$/i, "agent ids use letters, digits, - and _"),
    name: z.string().optional(),
    default: z.boolean().optional(),
    model: z.union([z.string().transform((primary) => ({ primary, fallbacks: undefined as string[] | undefined })), ModelSelection]).optional(),
    systemPrompt: z.string().optional(),
    maxTokens: z.number().int().positive().optional(),
  })
  .strict();

export const AuthProfileConfig = z
  .object({
    provider: z.string().min(1),
    mode: z.enum(["api_key", "oauth", "token"]),
    allowedUsers: allowList.optional().describe("Sender ids allowed to pin this profile with /model ...@profile"),
    email: z.string().optional(),
  })
  .strict();

export const AuthConfig = z
  .object({
    profiles: z.record(z.string().regex(/^[a-z0-9_-]+:[^\s]+$/i, "profile ids are <provider>:<name>"), AuthProfileConfig).optional(),
    order: z.record(z.string(), stringList).optional(),
    oauth: z
      .object({
        tokenUrl: z.string().url().optional().describe("OAuth token endpoint used to refresh Anthropic OAuth profiles"),
        clientId: z.string().optional(),
      })
      .strict()
      .optional(),
    cooldowns: z
      .object({
        failureWindowHours: z.number().positive().default(24),
        billingBackoffHours: z.number().positive().default(5),
        billingMaxHours: z.number().positive().default(24),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ShellEnvConfig = z
  .object({
    enabled: z.boolean().default(false),
    timeoutMs: z.number().int().positive().default(2000),
  })
  .strict();

/** `env`: variables to set when absent (strings), plus `shellEnv` for the login-shell import. */
export const EnvConfig = z
  .object({
    shellEnv: ShellEnvConfig.optional(),
    vars: z.record(z.string(), z.string()).optional(),
  })
  .catchall(z.string());

export const BindingMatch = z
  .object({
    channel: z.string().min(1),
    accountId: z.string().optional(),
    guildId: z.union([z.string(), z.number()]).transform(String).optional(),
    chatId: z.union([z.string(), z.number()]).transform(String).optional(),
    peer: z.union([z.string(), z.number()]).transform(String).optional().describe("sender id"),
  })
  .strict();

export const Binding = z.object({ agentId: id, match: BindingMatch }).strict();

export const GroupPolicy = z.enum(["open", "allowlist", "disabled"]);

export const TelegramGroupConfig = z
  .object({
    requireMention: z.boolean().optional(),
    enabled: z.boolean().optional(),
    allowFrom: allowList.optional(),
  })
  .strict();

export const TelegramConfig = z
  .object({
    enabled: z.boolean().default(true),
    botToken: z.string().optional(),
    apiRoot: z.string().url().optional().describe("Bot API root, e.g. a self-hosted Bot API server"),
    allowFrom: allowList.optional().describe('User ids allowed to DM the bot; "*" allows all'),
    groupPolicy: GroupPolicy.default("open"),
    groups: z.record(z.string(), TelegramGroupConfig).optional(),
    requireMention: z.boolean().default(true),
    webhook: z
      .object({
        url: z.string().url(),
        secret: z.string().min(1),
        host: z.string().default("0.0.0.0"),
        port: z.number().int().min(1).max(65535).default(8787),
        path: z.string().default("/telegram"),
      })
      .strict()
      .optional(),
    commands: z.object({ menu: z.boolean().default(true) }).strict().optional(),
  })
  .strict();

export const DiscordGuildConfig = z
  .object({
    requireMention: z.boolean().optional(),
    enabled: z.boolean().optional(),
    channels: stringList.optional(),
    allowFrom: allowList.optional(),
  })
  .strict();

export const DiscordConfig = z
  .object({
    enabled: z.boolean().default(true),
    token: z.string().optional(),
    apiRoot: z.string().url().optional().describe("REST base, e.g. http://127.0.0.1:9000/api"),
    allowFrom: allowList.optional(),
    guildPolicy: GroupPolicy.default("open"),
    guilds: z.record(z.string(), DiscordGuildConfig).optional(),
    requireMention: z.boolean().default(true),
    commands: z
      .object({
        native: z.boolean().default(true),
        guildIds: stringList.optional().describe("Register slash commands per guild (instant) instead of globally"),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ConsoleConfig = z
  .object({
    enabled: z.boolean().default(true),
    session: z.string().default("main").describe("Session name of the terminal chat (console:<name>)"),
  })
  .strict();

export const ProviderConfig = z
  .object({
    baseUrl: z.string().url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export const ModelsConfig = z
  .object({
    providers: z.record(z.string(), ProviderConfig).optional(),
  })
  .strict();

export const CommandsConfig = z
  .object({
    allowFrom: allowList.optional().describe("Sender ids (optionally channel:id) allowed to switch models and pin profiles"),
    native: z.boolean().default(true),
  })
  .strict();

export const GatewayConfig = z
  .object({
    concurrency: z.number().int().positive().default(8),
    queue: z.object({ maxPending: z.number().int().positive().default(10) }).strict().optional(),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
    streaming: z.object({ editIntervalMs: z.number().int().min(250).default(1200) }).strict().optional(),
  })
  .strict();

export const BatonConfig = z
  .object({
    $schema: z.string().optional(),
    env: EnvConfig.optional(),
    auth: AuthConfig.optional(),
    agents: z
      .object({
        defaults: AgentDefaults.optional(),
        list: z.array(AgentEntry).optional(),
      })
      .strict()
      .optional(),
    bindings: z.array(Binding).optional(),
    channels: z
      .object({
        telegram: TelegramConfig.optional(),
        discord: DiscordConfig.optional(),
        console: ConsoleConfig.optional(),
      })
      .strict()
      .optional(),
    models: ModelsConfig.optional(),
    commands: CommandsConfig.optional(),
    gateway: GatewayConfig.optional(),
  })
  .strict();

export type BatonConfig = z.output<typeof BatonConfig>;
export type BatonConfigInput = z.input<typeof BatonConfig>;
export type TelegramConfig = z.output<typeof TelegramConfig>;
export type DiscordConfig = z.output<typeof DiscordConfig>;
export type AuthProfileConfig = z.output<typeof AuthProfileConfig>;
export type AgentEntry = z.output<typeof AgentEntry>;

export const DEFAULT_AGENT_ID = "main";
export const DEFAULT_MODEL = "anthropic/claude-opus-4-5";
