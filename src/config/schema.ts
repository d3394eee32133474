import * as z from "zod/mini";
import type { ChannelAccessRules } from "./channel-catalog.js";
import { PROFILE_ID } from "./profile-id.js";

/**
 * The whole Baton config, one zod schema. Defaults live here and nowhere else;
 * `baton config schema` prints the JSON Schema generated from it.
 *
 * Written with zod/mini: the same zod, but tree-shakeable, so every CLI command that reads the
 * config loads ~30 KB of validator instead of ~450 KB (docs/ARCHITECTURE.md, start-up).
 */

const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description)) as T;
const optional = <T extends z.ZodMiniType>(schema: T, description?: string) => z.optional(description ? described(schema, description) : schema);
const id = z.string().check(z.minLength(1));
const stringList = z.array(z.string());
const idValue = z.union([z.string(), z.pipe(z.number(), z.transform(String))]);
/** User ids allowed to talk to the bot; `"*"` allows everyone. Numbers are accepted and kept as strings. */
export const allowList = z.array(idValue);
const positiveInt = () => z.number().check(z.int(), z.positive());

export const CacheTtl = z.enum(["5m", "1h"]);

export const ModelParams = z.strictObject({
  cacheControlTtl: optional(CacheTtl, 'Prompt-cache TTL ("5m" or "1h"); unset keeps Anthropic\'s default'),
  maxTokens: z.optional(positiveInt()),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
});

export const ModelEntry = z.strictObject({
  alias: optional(z.string(), "Short name usable in /model, e.g. opus"),
  params: z.optional(ModelParams),
});

export const ModelSelection = z.strictObject({
  primary: optional(z.string(), 'provider/model, e.g. "anthropic/claude-opus-4-5"'),
  fallbacks: optional(stringList, "Models tried in order when every profile of the primary's provider is unusable"),
});

/** `"anthropic/claude-opus-4-5"` is shorthand for `{ primary: "anthropic/claude-opus-4-5" }`. */
const modelChoice = z.union([z.pipe(z.string(), z.transform((primary) => ({ primary, fallbacks: undefined as string[] | undefined }))), ModelSelection]);

export const HistoryLimits = z.strictObject({
  maxMessages: z._default(positiveInt(), 40),
  maxTokens: z._default(positiveInt(), 24_000),
});

/** A spending limit in estimated USD per UTC day or calendar month (UTC). */
export const Budget = z.strictObject({
  usd: described(z.number().check(z.positive()), "Limit in USD, estimated from the price table (models.pricing)"),
  per: described(z.enum(["day", "month"]), "Period: the UTC day, or the calendar month in UTC"),
});

export const AgentDefaults = z.strictObject({
  model: z.optional(modelChoice),
  models: optional(z.record(z.string(), ModelEntry), "Allowed models (keys provider/model); when non-empty it is the allowlist"),
  systemPrompt: z.optional(z.string()),
  maxTokens: z.optional(positiveInt()),
  history: z.prefault(HistoryLimits, {}),
  budgets: z.optional(
    z.strictObject({
      perSender: optional(Budget, "What one chat sender may spend across all agents; over it, their messages are refused until the period ends"),
    }),
  ),
});

export const AgentEntry = z.strictObject({
  id: id.check(z.regex(/^[a-z0-9][a-z0-9_-]*$/i, "agent ids use letters, digits, - and _")),
  name: z.optional(z.string()),
  default: z.optional(z.boolean()),
  model: z.optional(modelChoice),
  systemPrompt: z.optional(z.string()),
  maxTokens: z.optional(positiveInt()),
});

export const AuthProfileConfig = z.strictObject({
  provider: z.string().check(z.minLength(1)),
  mode: z.enum(["api_key", "oauth", "token"]),
  allowedUsers: optional(allowList, "Sender ids allowed to pin this profile with /model ...@profile"),
  email: z.optional(z.string()),
  budget: optional(Budget, "What this profile may spend; over it, it is skipped like a cooldown until the period ends"),
});

export const AuthConfig = z.strictObject({
  profiles: z.optional(z.record(z.string().check(z.regex(PROFILE_ID, "profile ids are <provider>:<name>")), AuthProfileConfig)),
  order: z.optional(z.record(z.string(), stringList)),
  oauth: z.optional(
    z.strictObject({
      tokenUrl: optional(z.url(), "OAuth token endpoint used to refresh Anthropic OAuth profiles"),
      clientId: z.optional(z.string()),
    }),
  ),
  cooldowns: z.optional(
    z.strictObject({
      failureWindowHours: z._default(z.number().check(z.positive()), 24),
      billingBackoffHours: z._default(z.number().check(z.positive()), 5),
      billingMaxHours: z._default(z.number().check(z.positive()), 24),
    }),
  ),
});

export const ShellEnvConfig = z.strictObject({
  enabled: z._default(z.boolean(), false),
  timeoutMs: z._default(positiveInt(), 2000),
});

/** `env`: variables to set when absent (strings), plus `shellEnv` for the login-shell import. */
export const EnvConfig = z.catchall(
  z.object({
    shellEnv: z.optional(ShellEnvConfig),
    vars: z.optional(z.record(z.string(), z.string())),
  }),
  z.string(),
);

export const BindingMatch = z.strictObject({
  channel: z.string().check(z.minLength(1)),
  accountId: z.optional(z.string()),
  guildId: z.optional(idValue),
  chatId: z.optional(idValue),
  peer: optional(idValue, "sender id"),
});

export const Binding = z.strictObject({ agentId: id, match: BindingMatch });

export const GroupPolicy = z.enum(["open", "allowlist", "disabled"]);
/** Who may DM the bot besides `allowFrom` (docs/CONFIG.md, access). */
export const DmPolicy = z.enum(["pairing", "allowlist", "open", "disabled"]);
export const DEFAULT_DM_POLICY = "pairing" satisfies z.output<typeof DmPolicy>;
export const DEFAULT_GROUP_POLICY = "allowlist" satisfies z.output<typeof GroupPolicy>;
export const ProviderConfig = z.strictObject({
  baseUrl: z.optional(z.url()),
  headers: z.optional(z.record(z.string(), z.string())),
  timeoutMs: z.optional(positiveInt()),
  rateLimitHeaders: optional(
    z.boolean(),
    "Read the provider's rate-limit headers to skip a key with nothing left until its reset (default true); false: only react to 429s",
  ),
});

const usdPerMTok = z.number().check(z.gte(0));
/** USD per million tokens; `cacheWrite` is the 5-minute cache-write rate. */
export const ModelPricing = z.strictObject({ input: usdPerMTok, output: usdPerMTok, cacheRead: usdPerMTok, cacheWrite: usdPerMTok });

export const ModelsConfig = z.strictObject({
  providers: z.optional(z.record(z.string(), ProviderConfig)),
  pricing: optional(
    z.record(z.string().check(z.regex(/^[^/\s]+\/\S+$/, 'keys are "<provider>/<model>"')), ModelPricing),
    'Prices in USD per million tokens, keyed "<provider>/<model>"; override or extend the built-in table used for cost estimates',
  ),
});

export const CommandsConfig = z.strictObject({
  allowFrom: optional(
    allowList,
    'Sender ids (optionally channel:id) allowed to switch models, pin profiles and /reset all; unset: the channels\' allowFrom ids (owners) and the console; ["*"]: everyone',
  ),
  native: z._default(z.boolean(), true),
});

export const GatewayConfig = z.strictObject({
  concurrency: z._default(positiveInt(), 8),
  queue: z.prefault(z.strictObject({ maxPending: z._default(positiveInt(), 10) }), {}),
  logLevel: z._default(z.enum(["debug", "info", "warn", "error"]), "info"),
  streaming: z.prefault(z.strictObject({ editIntervalMs: z._default(z.number().check(z.int(), z.gte(250)), 1200) }), {}),
  http: optional(
    z.strictObject({
      port: optional(z.number().check(z.int(), z.gte(0), z.lte(65_535)), "Port of /healthz, /readyz, /metrics and the status page; unset: no HTTP server (0: any free port)"),
      host: described(z._default(z.string().check(z.minLength(1)), "127.0.0.1"), "Address to listen on; keep 127.0.0.1 unless a proxy or scraper needs more"),
      token: optional(z.string().check(z.minLength(1)), "Bearer token (or ?token=) for the status page; unset: no status page (404)"),
    }),
    "The gateway's HTTP surface (docs/OPERATIONS.md)",
  ),
  alerts: optional(
    z.strictObject({
      to: described(
        z._default(z.array(z.string().check(z.regex(/^[a-z0-9_-]+:\S+$/i, 'targets are "<channel>:<userId>", e.g. "telegram:123456789"'))), []),
        'Owners to DM when a credential is rejected, disabled or expires within 24 h, once per state change: "<channel>:<userId>"',
      ),
    }),
    "Credential alerts sent by the gateway (docs/OPERATIONS.md)",
  ),
});

export const MessagesConfig = z.strictObject({
  maxParts: described(z._default(positiveInt(), 12), "Most messages one reply is sent as; the rest goes as a reply.md attachment where the channel takes files"),
  fallbackNotice: described(
    z._default(z.boolean(), true),
    "Add one line to a reply that came from a fallback model, or from another kind of credential than the first choice (e.g. a paid API key instead of the subscription)",
  ),
});

export const BatonConfig = z.strictObject({
  $schema: z.optional(z.string()),
  env: z.optional(EnvConfig),
  auth: z.optional(AuthConfig),
  agents: z.prefault(
    z.strictObject({
      defaults: z.prefault(AgentDefaults, {}),
      list: z.optional(z.array(AgentEntry)),
    }),
    {},
  ),
  bindings: z.optional(z.array(Binding)),
  // Each section is validated by its channel plugin's own schema (src/config/channel-catalog.ts).
  channels: optional(z.record(z.string(), z.looseObject({})), "Chat channels: one section per installed channel plugin (plugins/<id>)"),
  models: z.optional(ModelsConfig),
  commands: z.prefault(CommandsConfig, {}),
  gateway: z.prefault(GatewayConfig, {}),
  messages: z.prefault(MessagesConfig, {}),
  state: described(
    z._default(
      z
        .strictObject({
          backend: described(z._default(z.enum(["file", "redis"]), "file"), '"file": embedded in the state dir, one gateway (default); "redis": shared by several gateways'),
          redis: z.optional(
            z.strictObject({
              url: optional(z.string(), "e.g. redis://127.0.0.1:6379/0 (or BATON_REDIS_URL)"),
              keyPrefix: z._default(z.string(), "baton:"),
              leaseTtlMs: optional(
                z.number().check(z.int(), z.gte(1000), z.lte(60_000)),
                "How long a channel lease lasts unrenewed (default 5000): a standby gateway takes over within this after the holder dies",
              ),
            }),
          ),
        }),
      { backend: "file" },
    ),
    "Where sessions, auth usage and channel state are kept",
  ),
});

/** A `channels.<id>` section; its shape belongs to the channel plugin. */
export type ChannelSection = Record<string, any>;

/**
 * A validated config: `channels.<id>` sections validated and defaulted by their plugins'
 * schemas, and `channelAccess` (set by validation, not a config key) telling the access
 * policy how each loaded channel's section reads.
 */
export type BatonConfig = Omit<z.output<typeof BatonConfig>, "channels"> & {
  channels?: Record<string, ChannelSection>;
  channelAccess?: Readonly<Record<string, ChannelAccessRules>>;
};
export type BatonConfigInput = Omit<z.input<typeof BatonConfig>, "channels"> & { channels?: Record<string, ChannelSection> };
export type AuthProfileConfig = z.output<typeof AuthProfileConfig>;
export type AgentEntry = z.output<typeof AgentEntry>;

export const DEFAULT_AGENT_ID = "main";
export const DEFAULT_MODEL = "anthropic/claude-opus-4-5";
