import type { AgentRuntime } from "../../agents/runtime.js";
import type { BatonConfig } from "../../config/schema.js";
import type { CommandArgSpec, CommandChoice, CommandSpec, InboundMessage, ReplyButton } from "../../plugin-api.js";
import type { SessionQueue } from "../session-queue.js";

export interface CommandReply {
  /** Markdown; the router formats and splits it for the channel. */
  text: string;
  buttons?: ReplyButton[][];
  ephemeral?: boolean;
}

export interface CommandContext {
  message: InboundMessage;
  /** Argument text after the command name. */
  args: string;
  agentId: string;
  sessionKey: string;
  parentKey?: string;
  runtime: AgentRuntime;
  config: BatonConfig;
  queue: SessionQueue;
  registry: CommandRegistry;
}

export interface CommandDefinition {
  name: string;
  description: string;
  args: CommandArgSpec[];
  /** Does this use (with these args) change session state? Then only `commands.allowFrom` may run it. */
  privileged(args: string): boolean;
  /** A privileged use this sender may make anyway (the sender who pinned lifting their own pin with `/model default`). */
  permitsUnprivileged?(ctx: CommandContext): Promise<boolean>;
  /** The reply, or null for none (e.g. a refusal that must stay silent in a group). */
  run(ctx: CommandContext): Promise<CommandReply | null>;
  /** Autocomplete for native commands. */
  complete?(arg: string, value: string, ctx: Omit<CommandContext, "args">): Promise<CommandChoice[]>;
  /** Native options (Discord) to argument text; default joins the values with spaces. */
  argsFromNative?(args: Record<string, string>): string;
  /**
   * Text-only: not registered as a native command (slash command, menu entry). For commands a
   * platform sends by itself, like Telegram's `/start`.
   */
  textOnly?: boolean;
}

const NAME = /^[a-z0-9_]{1,32}$/;

/** One registry serves text commands, Discord slash commands and the Telegram menu. */
export class CommandRegistry {
  private readonly commands = new Map<string, CommandDefinition>();

  register(definition: CommandDefinition): this {
    if (!NAME.test(definition.name)) throw new Error(`invalid command name "${definition.name}" (must match ${NAME})`);
    if (this.commands.size >= 100) throw new Error("at most 100 commands");
    this.commands.set(definition.name, definition);
    return this;
  }

  get(name: string): CommandDefinition | undefined {
    return this.commands.get(name.toLowerCase());
  }

  all(): CommandDefinition[] {
    return [...this.commands.values()];
  }

  specs(): CommandSpec[] {
    return this.all()
      .filter((command) => !command.textOnly)
      .map(({ name, description, args }) => ({ name, description, args }));
  }
}

/** `/model@Bot opus` -> { name: "model", args: "opus" }; not a command -> undefined. */
export function parseCommandText(text: string): { name: string; args: string } | undefined {
  const match = /^\/([a-zA-Z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1].toLowerCase(), args: (match[2] ?? "").trim() };
}
