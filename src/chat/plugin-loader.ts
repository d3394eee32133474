import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ChannelPluginFactory } from "../plugin-api.js";
import { packageRoot, runningFromDist } from "../util/package-root.js";

/**
 * Finds channel plugins in the `plugins/` directory next to the core (dist/plugins when
 * built, plugins/ in a checkout). The core never imports a plugin by name: it loads
 * `plugins/<id>/index.js` (or `.ts` under the test runner) when the config enables it.
 */
const pluginsRoot = path.join(packageRoot(), ...(runningFromDist() ? ["dist", "plugins"] : ["plugins"]));

export function availableChannelPlugins(): string[] {
  try {
    return fs
      .readdirSync(pluginsRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && pluginEntry(entry.name))
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

function pluginEntry(id: string): string | undefined {
  if (!/^[a-z0-9_-]+$/.test(id)) return undefined;
  for (const name of ["index.js", "index.ts"]) {
    const file = path.join(pluginsRoot, id, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export async function loadChannelPlugin(id: string): Promise<ChannelPluginFactory> {
  const entry = pluginEntry(id);
  if (!entry) throw new Error(`Channel plugin "${id}" not found in ${pluginsRoot} (available: ${availableChannelPlugins().join(", ") || "none"})`);
  const mod = await import(pathToFileURL(entry).href);
  const factory = mod.default;
  if (typeof factory !== "function") throw new Error(`Channel plugin "${id}" (${entry}) has no default export factory`);
  return factory as ChannelPluginFactory;
}
