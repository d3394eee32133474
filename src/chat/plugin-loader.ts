import { pathToFileURL } from "node:url";
import type { ChannelPluginFactory } from "../plugin-api.js";
import { installedChannelPlugins, pluginFile, pluginsRoot } from "../config/plugin-files.js";

/** Imports `plugins/<id>/index.js` (the channel itself, with its platform library) when the gateway starts it. */
export async function loadChannelPlugin(id: string): Promise<ChannelPluginFactory> {
  const entry = pluginFile(id, "index");
  if (!entry) throw new Error(`Channel plugin "${id}" not found in ${pluginsRoot()} (installed: ${installedChannelPlugins().join(", ") || "none"})`);
  const mod = await import(pathToFileURL(entry).href);
  const factory = mod.default;
  if (typeof factory !== "function") throw new Error(`Channel plugin "${id}" (${entry}) has no default export factory`);
  return factory as ChannelPluginFactory;
}
