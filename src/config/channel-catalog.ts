import { pathToFileURL } from "node:url";
import { _default, boolean, looseObject, type ZodMiniType } from "zod/mini";
import type { ChannelConfigDeclaration, ChannelConfigModule } from "../plugin-api.js";
import { channelFields, configZod } from "./channel-kit.js";
import { installedChannelPlugins, pluginFile } from "./plugin-files.js";

type Env = Readonly<Record<string, string | undefined>>;
type Section = Record<string, any>;

/**
 * How the access policy reads one channel's section (plain data, kept with the validated config
 * as `channelAccess`): see `ChannelAccessKeys` in plugin-api.ts.
 */
export interface ChannelAccessRules {
  local: boolean;
  groupsKey: string;
  groupPolicyKey: string;
  groupIdFrom: "chatId" | "guildId";
}

/** One installed channel's config declaration, with the core's defaults filled in. */
export interface ChannelSpec {
  id: string;
  schema: ZodMiniType;
  help: string;
  envKeys: readonly string[];
  access: ChannelAccessRules;
  shouldStart(section: Section | undefined, env: Env): boolean;
  nativeCommands(section: Section): boolean;
  /** The section a channel gets when the config has none: its schema's defaults ({} when it has required keys). */
  defaults(): Section;
}

/** The config declarations of the installed channel plugins the core has loaded. */
export class ChannelCatalog {
  #installed: readonly string[] | (() => readonly string[]);

  constructor(
    /** Every installed channel plugin, loaded or not, or how to list them when asked. */
    installed: readonly string[] | (() => readonly string[]),
    private readonly specs: ReadonlyMap<string, ChannelSpec>,
  ) {
    this.#installed = installed;
  }

  /** Every installed channel plugin, loaded or not (for "no such channel" errors and hints). */
  get installed(): readonly string[] {
    if (typeof this.#installed === "function") this.#installed = this.#installed();
    return this.#installed;
  }

  get(id: string): ChannelSpec | undefined {
    return this.specs.get(id);
  }

  /** The loaded specs, by id. */
  all(): ChannelSpec[] {
    // plain code-unit order: localeCompare would load ICU collation data, milliseconds on every command
    return [...this.specs.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Access rules of every loaded channel (what the validated config carries as `channelAccess`). */
  accessRules(): Record<string, ChannelAccessRules> {
    return Object.fromEntries(this.all().map((spec) => [spec.id, spec.access]));
  }

  /** Environment variables the loaded channels read (for the login-shell import). */
  envKeys(): string[] {
    return [...new Set(this.all().flatMap((spec) => spec.envKeys))];
  }
}

/** A plugin without a config module: any object, `enabled` defaulting to true. */
const looseSection = looseObject({ enabled: _default(boolean(), true) });

export function channelSpec(id: string, declaration: ChannelConfigDeclaration<any> | undefined): ChannelSpec {
  const schema: ZodMiniType = declaration?.schema ?? looseSection;
  const local = declaration?.local === true;
  return {
    id,
    schema,
    help: declaration?.help ?? "",
    envKeys: declaration?.envKeys ?? [],
    access: {
      local,
      groupsKey: declaration?.access?.groupsKey ?? "groups",
      groupPolicyKey: declaration?.access?.groupPolicyKey ?? "groupPolicy",
      groupIdFrom: declaration?.access?.groupIdFrom ?? "chatId",
    },
    shouldStart: (section, env) => (declaration?.shouldStart ? declaration.shouldStart(section, env) : Boolean(section && section.enabled !== false)),
    nativeCommands: (section) => declaration?.nativeCommands?.(section) ?? true,
    defaults: () => {
      const parsed = schema.safeParse({});
      return parsed.success ? (parsed.data as Section) : {};
    },
  };
}

async function loadSpec(id: string): Promise<ChannelSpec> {
  const file = pluginFile(id, "config");
  if (!file) return channelSpec(id, undefined);
  const mod = await import(pathToFileURL(file).href);
  const build = mod.default as ChannelConfigModule | undefined;
  if (typeof build !== "function") throw new Error(`Channel plugin "${id}": ${file} has no default export (a function of z and fields; see docs/PLUGINS.md)`);
  const declaration = build(configZod, channelFields);
  if (!declaration?.schema || typeof (declaration.schema as any).safeParse !== "function") {
    throw new Error(`Channel plugin "${id}": ${file} declares no zod schema (see docs/PLUGINS.md)`);
  }
  return channelSpec(id, declaration);
}

/**
 * Loads the config modules of `ids` (those installed; others are left for validation to
 * report), or of every installed channel plugin. Never loads a channel's index module.
 */
export async function loadChannelCatalog(ids: "all" | readonly string[]): Promise<ChannelCatalog> {
  const installed = ids === "all" ? installedChannelPlugins() : undefined;
  const wanted = installed ?? [...new Set(ids)].filter((id) => pluginFile(id, "index"));
  const specs = await Promise.all(wanted.map(loadSpec));
  return new ChannelCatalog(installed ?? installedChannelPlugins, new Map(specs.map((spec) => [spec.id, spec])));
}
