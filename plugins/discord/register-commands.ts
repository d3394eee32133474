import { Routes, type REST } from "discord.js";
import type { CommandSpec, Logger } from "../../src/plugin-api.js";
import { sameCommandSet, toApplicationCommands } from "./command-json.js";
import { errorText } from "./errors.js";

export interface CommandSyncResult {
  /** "global" or a guild id. */
  scope: string;
  /** The set was overwritten (PUT) because it differed. */
  updated: boolean;
  error?: string;
}

/**
 * Makes the registered slash commands equal the core's specs: per guild in `guildIds`
 * (instant) or else globally. Fetches what is registered and overwrites only when it differs,
 * so restarts do not re-register an unchanged set. A failing scope is logged, not thrown;
 * `signal` ends requests that take too long.
 */
export async function syncCommands(
  rest: REST,
  applicationId: string,
  specs: readonly CommandSpec[],
  guildIds: readonly string[] | undefined,
  log: Logger,
  signal?: AbortSignal,
): Promise<CommandSyncResult[]> {
  const { commands, skipped } = toApplicationCommands(specs);
  if (skipped.length) log.warn("discord: commands with names Discord refuses were not registered", { commands: skipped });
  const scopes = guildIds?.length ? guildIds.map((id) => ({ scope: id, route: Routes.applicationGuildCommands(applicationId, id) })) : [{ scope: "global", route: Routes.applicationCommands(applicationId) }];
  const results: CommandSyncResult[] = [];
  for (const { scope, route } of scopes) {
    try {
      const registered: unknown = await rest.get(route, { signal });
      if (sameCommandSet(registered, commands)) {
        results.push({ scope, updated: false });
        continue;
      }
      await rest.put(route, { body: commands, signal });
      log.info("discord: slash commands registered", { scope, count: commands.length });
      results.push({ scope, updated: true });
    } catch (error) {
      const message = errorText(error);
      log.error("discord: slash command registration failed", { scope, error: message });
      results.push({ scope, updated: false, error: message });
    }
  }
  return results;
}
