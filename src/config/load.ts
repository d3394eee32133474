import fs from "node:fs";
import JSON5 from "json5";
import type * as z from "zod/mini";
import { BatonConfig } from "./schema.js";
import { loadChannelCatalog, type ChannelCatalog } from "./channel-catalog.js";
import { ConfigError, type ConfigProblem } from "./errors.js";
import { findPosition, locateKeys } from "./locate.js";
import { applyMigrations, type Migration } from "./migrate.js";
import { closestMatch, knownKeysAt } from "./schema-walk.js";
import type { Env } from "./paths.js";

export interface LoadedConfig {
  config: BatonConfig;
  /** The file read, or the path that would be read when it does not exist. */
  path: string;
  exists: boolean;
  /** Migrations applied in memory on this load (not yet written back). */
  migrations: Migration[];
  /** The parsed file after migrations and before validation/defaults (for write-back). */
  raw: Record<string, unknown>;
  /** The config declarations of the channels loaded to validate it. */
  channels: ChannelCatalog;
  /** `${VAR}` uses of unset variables, located, when loaded with `unsetVariables: "collect"`. */
  unsetVariables?: UnsetVariable[];
}

export interface UnsetVariable extends ConfigProblem {
  name: string;
}

export interface ValidateOptions {
  /**
   * Load every installed channel's config module, not only those named under `channels`: for
   * commands that start channels or talk through one (their start rules, env keys, access).
   */
  allChannels?: boolean;
  /**
   * The file was named explicitly (`--config`, `$BATON_CONFIG`): a missing file is an error
   * saying who named it, not an empty config. The default `<state>/baton.json5` may be missing.
   */
  namedBy?: string;
  /**
   * `${VAR}` naming an unset variable: an error (the default: the config cannot be used here), or
   * collected in {@link LoadedConfig.unsetVariables} while the rest is validated (`config validate`:
   * the file is checked apart from the environment it will run in). A value using one is left as
   * written and not checked further.
   */
  unsetVariables?: "error" | "collect";
}

/**
 * Reads, substitutes `${VAR}`, migrates and validates a config file.
 * A missing file is an empty config unless `options.namedBy` says it was named explicitly; any
 * other problem throws a {@link ConfigError}.
 */
export async function loadConfigFile(file: string, env: Env, options: ValidateOptions = {}): Promise<LoadedConfig> {
  let source: string;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch (err: any) {
    if (err?.code === "ENOENT" && options.namedBy) {
      throw new ConfigError(file, [{ keyPath: "", message: `no such file (named by ${options.namedBy})` }]);
    }
    if (err?.code === "ENOENT") {
      const { config, channels } = await validateOrThrow({}, file, options);
      return { config, path: file, exists: false, migrations: [], raw: {}, channels };
    }
    throw new ConfigError(file, [{ keyPath: "", message: `cannot read: ${err?.message ?? err}` }]);
  }
  return parseConfigSource(source, file, env, options);
}

export async function parseConfigSource(source: string, file: string, env: Env, options: ValidateOptions = {}): Promise<LoadedConfig> {
  let parsed: unknown;
  try {
    parsed = source.trim() === "" ? {} : JSON5.parse(source);
  } catch (err: any) {
    const message = String(err?.message ?? err).replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    throw new ConfigError(file, [{ keyPath: "", message: `JSON5 syntax error: ${message}`, line: err?.lineNumber, column: err?.columnNumber }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(file, [{ keyPath: "", message: "the config must be an object ({ ... })", line: 1 }]);
  }
  // Key positions are only needed to point at problems; scanning costs more than parsing, so do it lazily.
  let positions: ReturnType<typeof locateKeys> | undefined;
  const locate = (keyPath: string) => findPosition((positions ??= locateKeys(source)), keyPath);

  const missing: UnsetVariable[] = [];
  const substituted = substituteEnv(parsed, env, [], missing) as Record<string, unknown>;
  const unsetVariables = missing.map((p) => ({ ...p, ...locate(p.keyPath) }));
  const collect = options.unsetVariables === "collect";
  if (unsetVariables.length && !collect) throw new ConfigError(file, unsetVariables);

  const migrations = applyMigrations(substituted);
  const result = await validateConfig(substituted, options);
  // a value that uses an unset variable is unknown: what its check says about the placeholder is no problem of the file
  const unknown = (keyPath: string) => unsetVariables.some((u) => keyPath === u.keyPath || keyPath.startsWith(`${u.keyPath}.`));
  const problems = result.problems.filter((p) => !unknown(p.keyPath));
  if (problems.length) throw new ConfigError(file, problems.map((p) => ({ ...p, ...locate(p.keyPath) })));
  if (!result.config) {
    const known = await withoutUnknownValues(substituted, unsetVariables, options);
    if (!known) throw new ConfigError(file, unsetVariables);
    return { config: known, path: file, exists: true, migrations, raw: substituted, channels: result.channels, unsetVariables };
  }
  return { config: result.config, path: file, exists: true, migrations, raw: substituted, channels: result.channels, ...(collect ? { unsetVariables } : {}) };
}

/**
 * Only values using unset variables failed their checks: the config without them, leaving out the
 * enclosing object where one is then missing a required key (a webhook without its url).
 */
async function withoutUnknownValues(input: Record<string, unknown>, unset: UnsetVariable[], options: ValidateOptions): Promise<BatonConfig | undefined> {
  // an array item goes with its array
  let keyPaths = unset.map((u) => u.keyPath.replace(/(\.\d+)+$/, ""));
  for (let depth = 0; depth < 8 && keyPaths.length; depth++) {
    const result = await validateConfig(withoutKeys(input, keyPaths), options);
    if (result.config) return result.config;
    const failing = (keyPath: string) => result.problems.some((p) => p.keyPath === keyPath || p.keyPath.startsWith(`${keyPath}.`));
    if (!result.problems.every((p) => keyPaths.some((k) => p.keyPath === k || p.keyPath.startsWith(`${k}.`)))) return undefined;
    keyPaths = keyPaths.map((k) => (failing(k) ? k.split(".").slice(0, -1).join(".") : k)).filter(Boolean);
  }
  return undefined;
}

/** A deep copy of `value` without the keys at the dotted paths (array items are kept). */
function withoutKeys(value: Record<string, unknown>, keyPaths: string[]): Record<string, unknown> {
  const copy = structuredClone(value);
  for (const keyPath of keyPaths) {
    const parts = keyPath.split(".");
    const last = parts.pop()!;
    let parent: any = copy;
    for (const part of parts) parent = parent?.[part];
    if (parent && typeof parent === "object" && !Array.isArray(parent)) delete parent[last];
  }
  return copy;
}

/** {@link validateConfig}, throwing a {@link ConfigError} naming `file` when the config is invalid. */
export async function validateOrThrow(input: Record<string, unknown>, file: string, options: ValidateOptions = {}): Promise<{ config: BatonConfig; channels: ChannelCatalog }> {
  const result = await validateConfig(input, options);
  if (!result.config) throw new ConfigError(file, result.problems);
  return { config: result.config, channels: result.channels };
}

export type Validated =
  | { config: BatonConfig; channels: ChannelCatalog; problems: [] }
  | { config?: undefined; channels: ChannelCatalog; problems: ConfigProblem[] };

/**
 * Validates a config with the core schema, and each `channels.<id>` section with its channel
 * plugin's schema (defaults applied), loading the config modules it needs. Every problem is
 * reported with its key path; an id with no installed plugin is one of them.
 */
export async function validateConfig(input: Record<string, unknown>, options: ValidateOptions = {}): Promise<Validated> {
  const named = isObject(input.channels) ? Object.keys(input.channels) : [];
  return checkConfig(input, await loadChannelCatalog(options.allChannels ? "all" : named));
}

/** {@link validateConfig} with the channels' config declarations already loaded. */
export function checkConfig(input: Record<string, unknown>, channels: ChannelCatalog): Validated {
  const core = BatonConfig.safeParse(input, { reportInput: true });
  const problems = core.success ? [] : core.error.issues.flatMap((issue) => describeIssue(issue, input, BatonConfig));
  const rawSections = isObject(input.channels) ? input.channels : {};
  const sections: Record<string, Record<string, any>> = {};
  for (const [id, raw] of Object.entries(rawSections)) {
    const spec = channels.get(id);
    if (!spec) {
      const broken = channels.broken.get(id);
      if (broken) problems.push({ keyPath: `channels.${id}`, message: `the channel plugin's config module cannot be used: ${broken}` });
      else if (channels.installed.includes(id)) throw new Error(`checkConfig: the config module of channel "${id}" was not loaded`);
      else problems.push({ keyPath: `channels.${id}`, message: unknownChannel(id, channels.installed) });
      continue;
    }
    if (!isObject(raw)) continue; // the core schema has said so
    const parsed = spec.schema.safeParse(raw, { reportInput: true });
    if (parsed.success) sections[id] = parsed.data as Record<string, any>;
    else problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, spec.schema)).map((p) => ({ ...p, keyPath: join(`channels.${id}`, p.keyPath) })));
  }
  if (!core.success || problems.length) return { channels, problems };
  const config: BatonConfig = { ...core.data, ...(core.data.channels ? { channels: sections } : {}), channelAccess: channels.accessRules() };
  return { config, channels, problems: [] };
}

function unknownChannel(id: string, installed: readonly string[]): string {
  const suggestion = closestMatch(id, installed);
  return `no channel plugin "${id}" is installed${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; installed: ${installed.join(", ") || "none"}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const join = (prefix: string, keyPath: string) => (keyPath ? `${prefix}.${keyPath}` : prefix);

const VAR_PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${VAR}` in every string value; `$$` is a literal `$`. Missing variables are reported by key path. */
function substituteEnv(value: unknown, env: Env, path: string[], missing: UnsetVariable[]): unknown {
  if (typeof value === "string") {
    return value.replace(VAR_PATTERN, (match, name: string | undefined) => {
      if (!name) return "$";
      const found = env[name];
      if (found === undefined || found === "") {
        missing.push({ name, keyPath: path.join("."), message: `environment variable ${name} is not set (used as \${${name}})` });
        return match;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, [...path, String(i)], missing));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k], missing)]));
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: any = root;
  for (const key of path) current = current?.[key as any];
  return current;
}

/** One zod issue as located problems; `schema` is the schema `root` was validated with (for "did you mean"). */
function describeIssue(issue: any, root: unknown, schema: z.ZodMiniType): ConfigProblem[] {
  const path: (string | number)[] = issue.path ?? [];
  const keyPath = path.join(".");
  switch (issue.code) {
    case "unrecognized_keys":
      return (issue.keys as string[]).map((key) => {
        const suggestion = closestMatch(key, knownKeysAt(schema, path));
        return {
          keyPath: [...path, key].join("."),
          message: `unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
        };
      });
    case "invalid_type": {
      const actual = issue.input !== undefined || valueAt(root, path) !== undefined ? typeName(issue.input ?? valueAt(root, path)) : "nothing";
      return [{ keyPath, message: `expected ${issue.expected}, got ${actual}` }];
    }
    case "invalid_value":
      return [{ keyPath, message: `expected one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(valueAt(root, path))}` }];
    case "invalid_union": {
      const branches = (issue.errors as any[][] | undefined) ?? [];
      // The branch that got furthest into the value is the one the user meant.
      const depth = (branch: any[]) => Math.max(...branch.map((n) => (n.path ?? []).length));
      const best = branches.filter((b) => b.length).sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) {
        return best.flatMap((nested) => describeIssue({ ...nested, path: [...path, ...(nested.path ?? [])] }, root, schema));
      }
      const expected = [...new Set(branches.flat().filter((n) => n.code === "invalid_type").map((n) => n.expected))];
      if (expected.length) return [{ keyPath, message: `expected ${expected.join(" or ")}, got ${typeName(valueAt(root, path))}` }];
      return [{ keyPath, message: issue.message }];
    }
    default:
      return [{ keyPath, message: issue.message }];
  }
}
