/**
 * The Telegram command menu (setMyCommands), kept in step with the core's command
 * registry. The menu is only sent when it differs from the last one sent for this bot
 * (a hash under the channel state key `commands`), so restarts cost no API call.
 */
import { createHash } from "node:crypto";
import type { Api } from "grammy";
import type { ChannelStore, CommandSpec, Logger } from "../../src/plugin-api.js";
import { apiSignal } from "./api-signal.js";

const KEY = "commands";

export interface MenuEntry {
  command: string;
  description: string;
}

const MAX_COMMANDS = 100;
const MAX_DESCRIPTION = 256;

/** Menu entries Telegram accepts: valid names (first wins on duplicates), 1-256 char descriptions, at most 100. */
export function menuFromSpecs(specs: CommandSpec[]): MenuEntry[] {
  const seen = new Set<string>();
  const menu: MenuEntry[] = [];
  for (const spec of specs) {
    if (!/^[a-z0-9_]{1,32}$/.test(spec.name) || seen.has(spec.name)) continue;
    seen.add(spec.name);
    const description = (spec.description.trim() || spec.name).slice(0, MAX_DESCRIPTION);
    menu.push({ command: spec.name, description });
  }
  return menu.slice(0, MAX_COMMANDS);
}

/** Identifies a menu as sent to one bot (a new token means a new bot, so a fresh menu). */
export function menuHash(botId: number, menu: MenuEntry[]): string {
  return createHash("sha256").update(JSON.stringify([botId, menu])).digest("hex");
}

export type MenuSyncResult = "unchanged" | "set" | "deleted";

export async function syncCommandMenu(options: {
  api: Api;
  botId: number;
  specs: CommandSpec[];
  state: ChannelStore;
  signal: AbortSignal;
  log: Logger;
}): Promise<MenuSyncResult> {
  const { api, botId, state, signal, log } = options;
  const menu = menuFromSpecs(options.specs);
  const hash = menuHash(botId, menu);
  let stored: { hash?: unknown } | undefined;
  try {
    stored = (await state.get(KEY)) as { hash?: unknown } | undefined;
  } catch (err) {
    log.warn("telegram: unreadable command menu state, sending the menu again", { error: (err as Error).message });
  }
  if (typeof stored === "object" && stored?.hash === hash) return "unchanged";
  if (menu.length > 0) await api.setMyCommands(menu, {}, apiSignal(signal));
  else await api.deleteMyCommands({}, apiSignal(signal));
  await state.set(KEY, { hash, commands: menu.map((m) => m.command) });
  return menu.length > 0 ? "set" : "deleted";
}
