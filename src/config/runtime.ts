import fs from "node:fs";
import { configEnvVars, importLoginShellEnv, mergeEnv, readDotenvFile } from "./env.js";
import { loadConfigFile, type LoadedConfig } from "./load.js";
import { resolvePaths, type BatonPaths, type Env } from "./paths.js";
import { BatonConfig, type BatonConfigInput } from "./schema.js";

/** Everything a command needs to know about where it runs: paths, config, effective env. */
export interface Runtime {
  paths: BatonPaths;
  loaded: LoadedConfig;
  config: BatonConfig;
  env: Record<string, string | undefined>;
}

export interface RuntimeOptions {
  processEnv?: Env;
  configFlag?: string;
  /** Run the login-shell import when `env.shellEnv.enabled` (only the gateway needs it). */
  shellImport?: boolean;
}

export async function loadRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const processEnv = options.processEnv ?? process.env;
  const paths = resolvePaths(processEnv, options.configFlag);
  const dotenv = readDotenvFile(paths.envFile);
  const loaded = loadConfigFile(paths.configPath, mergeEnv({ process: processEnv, dotenv, config: {}, shell: {} }));
  const shellEnv = loaded.config.env?.shellEnv;
  const shell =
    options.shellImport && shellEnv?.enabled ? await importLoginShellEnv(processEnv.SHELL, shellEnv.timeoutMs) : {};
  const env = mergeEnv({ process: processEnv, dotenv, config: configEnvVars(loaded.config), shell });
  return { paths, loaded, config: loaded.config, env };
}

/**
 * A runtime for a config held in memory instead of a file (embedding Baton, tests, benchmarks):
 * validated and defaulted by the same schema; `stateDir` is also HOME, so nothing outside it is read.
 */
export function runtimeFromConfig(stateDir: string, input: BatonConfigInput, env: Record<string, string | undefined> = {}): Runtime {
  const paths = resolvePaths({ BATON_STATE_DIR: stateDir, HOME: stateDir });
  const config = BatonConfig.parse(input);
  return {
    paths,
    config,
    env: { HOME: stateDir, ...env },
    loaded: { config, path: paths.configPath, exists: false, migrations: [], raw: {} },
  };
}

/** Creates a directory (and parents) with mode 0700, tightening an existing one. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = fs.statSync(dir).mode & 0o777;
  if (mode !== 0o700) fs.chmodSync(dir, 0o700);
}
