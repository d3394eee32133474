import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { _default, boolean, looseObject, type ZodMiniType } from "zod/mini";
import type { ChannelConfigDeclaration, ChannelConfigModule, ChannelSetup } from "../plugin-api.js";
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
  /** How `baton onboard` sets the channel up, when the plugin says. */
  setup?: ChannelSetup;
  /** What one connection is, for the lease that lets one gateway of several connect (may hold a secret; hash it). */
  connectionIdentity(section: Section, env: Env): string;
}

/** The config declarations of the installed channel plugins the core has loaded. */
export class ChannelCatalog {
  #installed: readonly string[] | (() => readonly string[]);

  constructor(
    /** Every installed channel plugin, loaded or not, or how to list them when asked. */
    installed: readonly string[] | (() => readonly string[]),
    private readonly specs: ReadonlyMap<string, ChannelSpec>,
    /** Installed plugins whose config module could not be loaded, with why (validation reports them). */
    readonly broken: ReadonlyMap<string, string> = new Map(),
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
    setup: declaration?.setup,
    connectionIdentity: (section, env) => declaration?.connectionIdentity?.(section, env) ?? id,
    defaults: () => {
      const parsed = schema.safeParse({});
      return parsed.success ? (parsed.data as Section) : {};
    },
  };
}

const requireModule = createRequire(import.meta.url);

/**
 * Imports a config module: synchronously where Node can `require()` an ES module (20.19+,
 * 22.12+). Every command that reads the config comes here, and `import()` waits for its file
 * reads on libuv's thread pool: ~10 ms for three modules on a busy machine, against ~2 ms for
 * `require`. `import()` otherwise (older Node, TypeScript sources under the test runner).
 */
async function importConfigModule(file: string): Promise<{ default?: unknown }> {
  if (file.endsWith(".js") && (process.features as { require_module?: boolean }).require_module) {
    try {
      return requireModule(file);
    } catch (err) {
      const code = (err as { code?: string } | null)?.code;
      if (code !== "ERR_REQUIRE_ESM" && code !== "ERR_REQUIRE_ASYNC_MODULE") throw err;
    }
  }
  return import(pathToFileURL(file).href);
}

/** The plugin's declaration, or why it has none usable (a message for the config error). */
async function loadSpec(id: string, file: string | undefined): Promise<ChannelSpec | string> {
  if (!file) return channelSpec(id, undefined);
  try {
    const mod = await importConfigModule(file);
    const build = mod.default as ChannelConfigModule | undefined;
    if (typeof build !== "function") return `${file} has no default export (a function of z and fields; see docs/PLUGINS.md)`;
    const declaration = build(configZod, channelFields);
    if (typeof (declaration?.schema as any)?.safeParse !== "function") return `${file} declares no zod schema (see docs/PLUGINS.md)`;
    return channelSpec(id, declaration);
  } catch (err) {
    return `${file} failed to load: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Loads the config modules of `ids` (those installed; others are left for validation to
 * report), or of every installed channel plugin. Never loads a channel's index module, and
 * never throws for a broken config module (it is listed in `broken`).
 */
export async function loadChannelCatalog(ids: "all" | readonly string[]): Promise<ChannelCatalog> {
  const installed = ids === "all" ? installedChannelPlugins() : undefined;
  // a plugin is its index module; its config module is looked for first, as nearly all have one
  const files = (installed ?? [...new Set(ids)]).map((id) => ({ id, config: pluginFile(id, "config") }));
  const wanted = installed ? files : files.filter(({ id, config }) => config || pluginFile(id, "index"));
  const loaded = await Promise.all(wanted.map(async ({ id, config }) => [id, await loadSpec(id, config)] as const));
  const specs = new Map<string, ChannelSpec>();
  const broken = new Map<string, string>();
  for (const [id, spec] of loaded) {
    if (typeof spec === "string") broken.set(id, spec);
    else specs.set(id, spec);
  }
  return new ChannelCatalog(installed ?? installedChannelPlugins, specs, broken);
}
