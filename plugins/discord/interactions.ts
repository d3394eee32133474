import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  GuildMember,
  Interaction,
  RepliableInteraction,
} from "discord.js";
import { type BoundedSet, type ChannelContext, type CommandChoice, type InboundMessage, type Logger, type Settlement, TimeoutError, withTimeout } from "../../src/plugin-api.js";
import { errorText } from "./errors.js";
import { interactionChannelFacts, senderFacts } from "./facts.js";
import { type ChannelFacts, toCommandInbound } from "./inbound.js";
import { type ChannelFallback, InteractionReplySink } from "./interaction-sink.js";
import { commandFromCustomId } from "./outbound.js";

/** Discord drops an autocomplete answer after 3 s; answer empty a little before that. */
const AUTOCOMPLETE_DEADLINE_MS = 2500;
const MAX_CHOICES = 25;

export interface InteractionDeps {
  ctx: ChannelContext;
  accountId: string;
  /** Interactions already handled (a RESUME may replay them). */
  recent: BoundedSet<string>;
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
 * fills the deferred reply. Whatever happens next, the deferral is completed: a failed
 * dispatch gets an apology, and a dispatch that settles with nothing sent gets a short
 * ephemeral note (see {@link InteractionReplySink.finish}), never an endless "thinking…".
 */
async function deferAndDispatch(deps: InteractionDeps, interaction: RepliableInteraction, build: () => Promise<InboundMessage>): Promise<void> {
  try {
    await interaction.deferReply();
  } catch (error) {
    deps.log.warn("discord: could not defer interaction", { interactionId: interaction.id, error: errorText(error) });
    return;
  }
  const sink = new InteractionReplySink(interaction, deps.channelFallback(interaction.channelId ?? ""));
  let settled: Promise<Settlement>;
  try {
    const message = await build();
    settled = (await deps.ctx.dispatch(message, sink)).settled;
  } catch (error) {
    deps.log.error("discord: dispatch of a command failed", { interactionId: interaction.id, error: errorText(error) });
    const text = "Sorry, that command could not be handled.";
    await sink.send({ text, plainText: text, ephemeral: true }).catch((sendError: unknown) => {
      deps.log.warn("discord: could not answer a failed command", { interactionId: interaction.id, error: errorText(sendError) });
    });
    return;
  }
  const settlement = await settled.catch((): Settlement => "done");
  await sink.finish(settlement).catch((error: unknown) => {
    deps.log.warn("discord: could not complete a deferred reply", { interactionId: interaction.id, error: errorText(error) });
  });
}

async function onAutocomplete(deps: InteractionDeps, interaction: AutocompleteInteraction): Promise<void> {
  let choices: CommandChoice[] = [];
  try {
    const focused = interaction.options.getFocused(true);
    const message = await inboundFor(deps, interaction, `/${interaction.commandName}`, { args: commandArgs(interaction) });
    const completing = deps.ctx.complete({ command: interaction.commandName, arg: focused.name, value: String(focused.value), message });
    // Discord drops an answer that comes late: answer with nothing rather than not at all
    choices = await withTimeout(completing, AUTOCOMPLETE_DEADLINE_MS).catch((error: unknown) => {
      if (error instanceof TimeoutError) return [];
      throw error;
    });
  } catch (error) {
    deps.log.warn("discord: autocomplete failed", { command: interaction.commandName, error: errorText(error) });
  }
  try {
    await interaction.respond(validChoices(choices));
  } catch (error) {
    deps.log.debug("discord: autocomplete answer not taken", { command: interaction.commandName, error: errorText(error) });
  }
}

/** What Discord takes as autocomplete choices: at most 25, names and values 1–100 characters. */
function validChoices(choices: unknown): CommandChoice[] {
  if (!Array.isArray(choices)) return [];
  return choices
    .filter((c): c is CommandChoice => typeof c?.name === "string" && typeof c?.value === "string" && c.name.length > 0 && c.value.length > 0)
    .slice(0, MAX_CHOICES)
    .map((c) => ({ name: c.name.slice(0, 100), value: c.value.slice(0, 100) }));
}

/** Handles slash commands, their autocomplete, and presses of buttons this plugin sent. */
export function createInteractionHandler(deps: InteractionDeps): (interaction: Interaction) => Promise<void> {
  return async (interaction) => {
    if (!deps.recent.addNew(interaction.id)) return;
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
