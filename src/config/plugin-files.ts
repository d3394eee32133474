import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where channel plugins live on disk: `plugins/<id>/` next to the core (`dist/plugins` when
 * built, `plugins/` in a checkout under the test runner). The core never imports a plugin by
 * name; it finds `plugins/<id>/index.js` (the channel) and `plugins/<id>/config.js` (its light
 * config module) here, or their `.ts` sources under the test runner.
 */

let root: string | undefined;

/**
 * Found from where this code runs, without touching the disk (every command that reads the
 * config comes here): `src/config/` and `dist/src/config/` sit two levels below `plugins/` and
 * `dist/plugins/`, the CLI bundle (`dist/cli/`, scripts/bundle.mjs) one level below `dist/plugins/`.
 */
export function pluginsRoot(): string {
  if (root) return root;
  const here = path.dirname(fileURLToPath(import.meta.url));
  return (root = path.resolve(here, path.basename(here) === "cli" ? "../plugins" : "../../plugins"));
}

const PLUGIN_ID = /^[a-z0-9_-]+$/;

/**
 * Where plugins are looked for: the built-in directory first, then each directory listed in
 * `BATON_PLUGIN_PATH` (separated like PATH), for channels kept outside Baton (docs/PLUGINS.md).
 * A built-in plugin wins over one of the same id elsewhere.
 */
export function pluginRoots(): string[] {
  const extra = (process.env.BATON_PLUGIN_PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.resolve(dir));
  return [pluginsRoot(), ...extra];
}

/** `<root>/<id>/<name>.js` (or `.ts`) in the first plugin root that has it. */
export function pluginFile(id: string, name: "index" | "config"): string | undefined {
  if (!PLUGIN_ID.test(id)) return undefined;
  for (const root of pluginRoots()) {
    for (const ext of [".js", ".ts"]) {
      const file = path.join(root, id, name + ext);
      if (fs.existsSync(file)) return file;
    }
  }
  return undefined;
}

/** Ids of the installed channel plugins (directories with an index module), sorted. */
export function installedChannelPlugins(): string[] {
  const ids = pluginRoots().flatMap((root) => {
    try {
      return fs
        .readdirSync(root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && pluginFile(entry.name, "index"))
        .map((entry) => entry.name);
    } catch {
      return [];
    }
  });
  return [...new Set(ids)].sort();
}
