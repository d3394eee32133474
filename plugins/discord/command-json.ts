import type { CommandArgSpec, CommandSpec } from "../../src/plugin-api.js";

/** Discord's application command and option types used here. */
const CHAT_INPUT = 1;
const STRING_OPTION = 3;
const MAX_DESCRIPTION = 100;
const MAX_CHOICES = 25;
const MAX_OPTIONS = 25;
const MAX_COMMANDS = 100;
const NAME = /^[a-z0-9_-]{1,32}$/;

/** A chat-input command as sent in a bulk overwrite (PUT) body. */
export interface ApplicationCommandJson {
  type: number;
  name: string;
  description: string;
  options?: ApplicationCommandOptionJson[];
}

export interface ApplicationCommandOptionJson {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string }[];
}

function description(text: string, fallback: string): string {
  const trimmed = text.trim() || fallback;
  return trimmed.length > MAX_DESCRIPTION ? `${trimmed.slice(0, MAX_DESCRIPTION - 1)}…` : trimmed;
}

function toOption(arg: CommandArgSpec): ApplicationCommandOptionJson {
  const option: ApplicationCommandOptionJson = { type: STRING_OPTION, name: arg.name, description: description(arg.description, arg.name) };
  if (arg.required) option.required = true;
  // Discord refuses choices and autocomplete together; fixed choices win.
  if (arg.choices?.length) option.choices = arg.choices.slice(0, MAX_CHOICES).map((c) => ({ name: c.name.slice(0, 100), value: c.value.slice(0, 100) }));
  else if (arg.autocomplete) option.autocomplete = true;
  return option;
}

/**
 * Builds the slash command for a core {@link CommandSpec}: every arg becomes a string option,
 * required ones first (Discord rejects a required option after an optional one).
 */
export function toApplicationCommand(spec: CommandSpec): ApplicationCommandJson {
  const args = spec.args.filter((a) => NAME.test(a.name)).slice(0, MAX_OPTIONS);
  const ordered = [...args.filter((a) => a.required), ...args.filter((a) => !a.required)];
  return {
    type: CHAT_INPUT,
    name: spec.name,
    description: description(spec.description, spec.name),
    ...(ordered.length ? { options: ordered.map(toOption) } : {}),
  };
}

/** Commands for a set of specs; specs whose name Discord would refuse are left out (and returned). */
export function toApplicationCommands(specs: readonly CommandSpec[]): { commands: ApplicationCommandJson[]; skipped: string[] } {
  const skipped = specs.filter((s) => !NAME.test(s.name)).map((s) => s.name);
  const seen = new Set<string>();
  const commands = specs
    .filter((s) => NAME.test(s.name) && !seen.has(s.name) && seen.add(s.name))
    .slice(0, MAX_COMMANDS)
    .map(toApplicationCommand);
  return { commands, skipped };
}

/** The fields that decide whether a registered command matches: Discord adds ids, versions and defaults, and drops false flags. */
function comparable(command: any): unknown {
  if (typeof command !== "object" || command === null) return null;
  return {
    type: command.type ?? CHAT_INPUT,
    name: command.name,
    description: command.description,
    options: (Array.isArray(command.options) ? command.options : []).map((o: any) => ({
      type: o?.type,
      name: o?.name,
      description: o?.description,
      required: Boolean(o?.required),
      autocomplete: Boolean(o?.autocomplete),
      choices: (Array.isArray(o?.choices) ? o.choices : []).map((c: any) => ({ name: c?.name, value: String(c?.value) })),
    })),
  };
}

/** True when `registered` (as Discord returns it) already equals `desired`, ignoring command order; false for anything but a list. */
export function sameCommandSet(registered: unknown, desired: readonly ApplicationCommandJson[]): boolean {
  if (!Array.isArray(registered)) return false;
  const key = (list: readonly unknown[]) =>
    JSON.stringify(
      list
        .map(comparable)
        .sort((a: any, b: any) => (a?.name < b?.name ? -1 : a?.name > b?.name ? 1 : 0)),
    );
  return registered.length === desired.length && key(registered) === key(desired);
}
