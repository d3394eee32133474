import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  GuildMember,
  Interaction,
  RepliableInteraction,
} from "discord.js";
import type { ChannelContext, CommandChoice, InboundMessage, Logger } from "../../src/plugin-api.js";
import { interactionChannelFacts, senderFacts } from "./facts.js";
import { type ChannelFacts, toCommandInbound } from "./inbound.js";
import { type ChannelFallback, InteractionReplySink } from "./interaction-sink.js";
import { commandFromCustomId } from "./outbound.js";
import type { RecentIds } from "./recent-ids.js";

/** Discord drops an autocomplete answer after 3 s; answer empty a little before that. */
const AUTOCOMPLETE_DEADLINE_MS = 2500;
const MAX_CHOICES = 25;

export interface InteractionDeps {
  ctx: ChannelContext;
  accountId: string;
  recent: RecentIds;
  log: Logger;
  /** Plain channel messages for when an interaction token has expired. */
  channelFallback(chatId: string): ChannelFallback;
  /** Fills in a thread's parent when the cache does not know it. */
  completeChannel(facts: ChannelFacts): Promise<ChannelFacts>;
}

function member(interaction: Interaction): GuildMember | null {
  return interaction.member && "displayName" in interaction.member ? (interaction.member as GuildMember) : null;
}

function commandArgs(interaction: ChatInputCommandInteraction | AutocompleteInteraction): Record<string, string> {
  const args: Record<string, string> = {};
  for (const option of interaction.options.data) if (option.value !== undefined) args[option.name] = String(option.value);
  return args;
}

async function inboundFor(deps: InteractionDeps, interaction: Interaction, text: string, extra: { args?: Record<string, string>; replyTo?: string } = {}): Promise<InboundMessage> {
  const channel = await deps.completeChannel(interactionChannelFacts(interaction));
  return toCommandInbound(
    {
      ...channel,
      interactionId: interaction.id,
      user: senderFacts(interaction.user, member(interaction)),
      text,
      ...(extra.args ? { args: extra.args } : {}),
      ...(extra.replyTo ? { replyToMessageId: extra.replyTo } : {}),
      timestamp: interaction.createdTimestamp,
    },
    deps.accountId,
  );
}

/**
 * Defers at once (Discord wants an answer within 3 s), then dispatches with a sink that
 * fills the deferred reply. If the core refuses the message, the placeholder says so.
 */
async function deferAndDispatch(deps: InteractionDeps, interaction: RepliableInteraction, build: () => Promise<InboundMessage>): Promise<void> {
  try {
    await interaction.deferReply();
  } catch (error) {
    deps.log.warn("discord: could not defer interaction", { interactionId: interaction.id, error: (error as Error).message });
    return;
  }
  const message = await build();
  const sink = new InteractionReplySink(interaction, deps.channelFallback(message.chatId));
  try {
    await deps.ctx.dispatch(message, sink);
  } catch (error) {
    deps.log.error("discord: dispatch of a command failed", { interactionId: interaction.id, error: (error as Error).message });
    const text = "Sorry, that command could not be handled.";
    await sink.send({ text, plainText: text, ephemeral: true }).catch(() => {});
  }
}

async function onAutocomplete(deps: InteractionDeps, interaction: AutocompleteInteraction): Promise<void> {
  const focused = interaction.options.getFocused(true);
  let choices: CommandChoice[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const message = await inboundFor(deps, interaction, `/${interaction.commandName}`, { args: commandArgs(interaction) });
    const deadline = new Promise<CommandChoice[]>((resolve) => {
      timer = setTimeout(() => resolve([]), AUTOCOMPLETE_DEADLINE_MS);
    });
    choices = await Promise.race([deps.ctx.complete({ command: interaction.commandName, arg: focused.name, value: String(focused.value), message }), deadline]);
  } catch (error) {
    deps.log.warn("discord: autocomplete failed", { command: interaction.commandName, error: (error as Error).message });
  } finally {
    clearTimeout(timer);
  }
  const valid = choices
    .filter((c) => c.name.length > 0 && c.value.length > 0)
    .slice(0, MAX_CHOICES)
    .map((c) => ({ name: c.name.slice(0, 100), value: c.value.slice(0, 100) }));
  await interaction.respond(valid);
}

/** Handles slash commands, their autocomplete, and presses of buttons this plugin sent. */
export function createInteractionHandler(deps: InteractionDeps): (interaction: Interaction) => Promise<void> {
  return async (interaction) => {
    if (deps.recent.seen(interaction.id)) return;
    if (interaction.isChatInputCommand()) {
      await deferAndDispatch(deps, interaction, () => inboundFor(deps, interaction, `/${interaction.commandName}`, { args: commandArgs(interaction) }));
    } else if (interaction.isAutocomplete()) {
      await onAutocomplete(deps, interaction);
    } else if (interaction.isButton()) {
      const command = commandFromCustomId((interaction as ButtonInteraction).customId);
      if (command === undefined) return;
      await deferAndDispatch(deps, interaction, () => inboundFor(deps, interaction, command, { replyTo: interaction.message.id }));
    }
  };
}
