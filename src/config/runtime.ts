import fs from "node:fs";
import type { ChannelCatalog } from "./channel-catalog.js";
import { CORE_SHELL_IMPORT_KEYS, configEnvVars, importLoginShellEnv, mergeEnv, readDotenvFile } from "./env.js";
import { loadConfigFile, validateOrThrow, type LoadedConfig, type ValidateOptions } from "./load.js";
import { resolvePaths, type BatonPaths, type Env } from "./paths.js";
import type { BatonConfig, BatonConfigInput } from "./schema.js";

/** Everything a command needs to know about where it runs: paths, config, effective env. */
export interface Runtime {
  paths: BatonPaths;
  loaded: LoadedConfig;
  config: BatonConfig;
  env: Record<string, string | undefined>;
  /** Config declarations of the channels loaded with the config (which start, their defaults). */
  channels: ChannelCatalog;
}

export interface RuntimeOptions {
  processEnv?: Env;
  configFlag?: string;
  /** Run the login-shell import when `env.shellEnv.enabled` (only the gateway needs it); loads every channel's config module. */
  shellImport?: boolean;
  /** Load every installed channel's config module, not only those named in the config (commands that run a channel). */
  allChannels?: boolean;
  /** A config file named by `--config` or `$BATON_CONFIG` may be missing (commands that create it, e.g. `baton onboard`). */
  configMayBeMissing?: boolean;
  /** How `${VAR}` naming an unset variable is treated (see {@link ValidateOptions.unsetVariables}); default "error". */
  unsetVariables?: ValidateOptions["unsetVariables"];
}

/** Who named the config file when it was not the default `<state>/baton.json5`. */
export function configNamedBy(processEnv: Env, configFlag?: string): string | undefined {
  if (configFlag?.trim()) return "--config";
  if (processEnv.BATON_CONFIG?.trim()) return "$BATON_CONFIG";
  return undefined;
}

export async function loadRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const processEnv = options.processEnv ?? process.env;
  const paths = resolvePaths(processEnv, options.configFlag);
  const dotenv = readDotenvFile(paths.envFile);
  const allChannels = Boolean(options.allChannels || options.shellImport);
  const loaded = await loadConfigFile(paths.configPath, mergeEnv({ process: processEnv, dotenv, config: {}, shell: {} }), {
    allChannels,
    unsetVariables: options.unsetVariables,
    namedBy: options.configMayBeMissing ? undefined : configNamedBy(processEnv, options.configFlag),
  });
  const shellEnv = loaded.config.env?.shellEnv;
  const shellKeys = [...CORE_SHELL_IMPORT_KEYS, ...loaded.channels.envKeys()];
  const shell =
    options.shellImport && shellEnv?.enabled ? await importLoginShellEnv(processEnv.SHELL, shellEnv.timeoutMs, shellKeys) : {};
  const env = mergeEnv({ process: processEnv, dotenv, config: configEnvVars(loaded.config), shell });
  return { paths, loaded, config: loaded.config, env, channels: loaded.channels };
}

/**
 * A runtime for a config held in memory instead of a file (embedding Baton, tests, benchmarks):
 * validated and defaulted by the same schemas, with every installed channel's config module
 * loaded; `stateDir` is also HOME, so nothing outside it is read. Throws a ConfigError when invalid.
 */
export async function runtimeFromConfig(stateDir: string, input: BatonConfigInput, env: Record<string, string | undefined> = {}): Promise<Runtime> {
  const paths = resolvePaths({ BATON_STATE_DIR: stateDir, HOME: stateDir });
  const { config, channels } = await validateOrThrow(input as Record<string, unknown>, "(config given in memory)", { allChannels: true });
  return {
    paths,
    config,
    env: { HOME: stateDir, ...env },
    loaded: { config, path: paths.configPath, exists: false, migrations: [], raw: {}, channels },
    channels,
  };
}

/** Creates a directory (and parents) with mode 0700, tightening an existing one. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = fs.statSync(dir).mode & 0o777;
  if (mode !== 0o700) fs.chmodSync(dir, 0o700);
}
