import { AgentRuntime } from "../agents/runtime.js";
import { ensurePrivateDir, type Runtime } from "../config/runtime.js";
import { ConsoleConfig, DiscordConfig, TelegramConfig } from "../config/schema.js";
import type { ChannelContext, ChannelPlugin, ChannelPluginFactory, Logger } from "../plugin-api.js";
import { createLogger } from "../util/log.js";
import { defaultCommands } from "./commands/index.js";
import { loadChannelPlugin } from "./plugin-loader.js";
import { Router, type RouterOptions } from "./router.js";

const SECTION_SCHEMAS = { telegram: TelegramConfig, discord: DiscordConfig, console: ConsoleConfig } as const;

/**
 * Channels to run: telegram/discord when their section is present and enabled (or their token
 * is in the environment); the console when nothing else is configured.
 */
export function configuredChannels(runtime: Pick<Runtime, "config" | "env">): string[] {
  const channels = runtime.config.channels ?? {};
  const wanted: string[] = [];
  if (channels.telegram ? channels.telegram.enabled : runtime.env.TELEGRAM_BOT_TOKEN) wanted.push("telegram");
  if (channels.discord ? channels.discord.enabled : runtime.env.DISCORD_BOT_TOKEN) wanted.push("discord");
  return wanted.length ? wanted : ["console"];
}

/** `channels.<id>` with defaults; top-level `commands.native: false` turns native commands off everywhere. */
function channelSection(config: Runtime["config"], id: string, defaults: () => Record<string, any>): Record<string, any> {
  const section: Record<string, any> = { ...((config.channels as Record<string, any> | undefined)?.[id] ?? defaults()) };
  if (config.commands?.native === false) {
    if (id === "discord") section.commands = { ...section.commands, native: false };
    if (id === "telegram") section.commands = { ...section.commands, menu: false };
  }
  return section;
}

export interface GatewayOptions {
  runtime: Runtime;
  /** Channel ids to start (default: {@link configuredChannels}). */
  channels?: string[];
  /** Factories by channel id, instead of loading from plugins/ (tests, embedding). */
  factories?: Record<string, ChannelPluginFactory>;
  log?: Logger & { child(scope: string): Logger };
  onTurn?: RouterOptions["onTurn"];
}

/** The running bot: one router, one agent runtime, the started channel plugins. */
export class Gateway {
  readonly agents: AgentRuntime;
  readonly router: Router;
  readonly plugins: ChannelPlugin[] = [];
  private readonly abort = new AbortController();
  private readonly log: Logger & { child(scope: string): Logger };

  constructor(private readonly options: GatewayOptions) {
    this.log = options.log ?? createLogger({ level: options.runtime.config.gateway?.logLevel ?? "info" });
    this.agents = new AgentRuntime(options.runtime);
    this.router = new Router({ config: options.runtime.config, runtime: this.agents, registry: defaultCommands(), log: this.log.child("router"), onTurn: options.onTurn });
  }

  async start(): Promise<void> {
    const { runtime } = this.options;
    const channels = this.options.channels ?? configuredChannels(runtime);
    for (const id of channels) {
      const factory = this.options.factories?.[id] ?? (await loadChannelPlugin(id));
      const plugin = factory({ accountId: "default" });
      const stateDir = runtime.paths.pluginStateDir(id);
      ensurePrivateDir(stateDir);
      const schema = SECTION_SCHEMAS[id as keyof typeof SECTION_SCHEMAS];
      const section = channelSection(runtime.config, id, schema ? () => schema.parse({}) : () => ({}));
      const ctx: ChannelContext = {
        config: section as Record<string, any>,
        env: runtime.env,
        stateDir,
        signal: this.abort.signal,
        log: this.log.child(id),
        dispatch: async (message, sink) => {
          const result = await this.router.handle(plugin, message, sink);
          if (result.kind === "queued") return { settled: result.done.catch(() => "done" as const) };
          return { settled: Promise.resolve(result.kind === "abandoned" ? ("abandoned" as const) : ("done" as const)) };
        },
        commands: () => this.router.registrySpecs(),
        complete: (request) => this.router.complete(request),
        fail: (error) => this.log.error("channel failed", { channel: id, error: String(error) }),
      };
      await plugin.start(ctx);
      this.plugins.push(plugin);
      // the console shares the terminal with the chat: keep its start quiet
      (id === "console" ? this.log.debug : this.log.info)("channel started", { channel: id });
    }
  }

  /**
   * Aborts runs in flight (they settle `abandoned`, so a channel that journals messages offers
   * them again after a restart), gives them a moment to end, then stops every channel.
   */
  async stop(): Promise<void> {
    await this.router.shutdown(2000);
    this.abort.abort();
    await Promise.all(
      this.plugins.map((plugin) =>
        Promise.race([plugin.stop(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]).catch((err) =>
          this.log.warn("channel stop failed", { channel: plugin.id, error: String(err) }),
        ),
      ),
    );
  }
}
