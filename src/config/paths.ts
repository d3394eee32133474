import os from "node:os";
import path from "node:path";

/** Where Baton keeps its files (DESIGN.md §3). Pure: derives paths, creates nothing. */
export interface BatonPaths {
  stateDir: string;
  configPath: string;
  envFile: string;
  agentDir(agentId: string): string;
  authStorePath(agentId: string): string;
  sessionsDir(agentId: string): string;
  pluginStateDir(pluginId: string): string;
  claudeCredentialsPath: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

function homeDir(env: Env): string {
  return env.HOME || os.homedir();
}

function expandHome(p: string, env: Env): string {
  return p === "~" || p.startsWith("~/") ? path.join(homeDir(env), p.slice(1)) : p;
}

export function resolveStateDir(env: Env): string {
  const fromEnv = env.BATON_STATE_DIR?.trim();
  return path.resolve(fromEnv ? expandHome(fromEnv, env) : path.join(homeDir(env), ".baton"));
}

/** `--config` beats `$BATON_CONFIG` beats `<state>/baton.json5`. */
export function resolvePaths(env: Env, configFlag?: string): BatonPaths {
  const stateDir = resolveStateDir(env);
  const configSource = configFlag?.trim() || env.BATON_CONFIG?.trim();
  const configPath = configSource ? path.resolve(expandHome(configSource, env)) : path.join(stateDir, "baton.json5");
  const agentRoot = (agentId: string) => path.join(stateDir, "agents", agentId);
  const claudeDir = env.CLAUDE_CONFIG_DIR?.trim() ? expandHome(env.CLAUDE_CONFIG_DIR.trim(), env) : path.join(homeDir(env), ".claude");
  return {
    stateDir,
    configPath,
    envFile: path.join(stateDir, ".env"),
    agentDir: (agentId) => path.join(agentRoot(agentId), "agent"),
    authStorePath: (agentId) => path.join(agentRoot(agentId), "agent", "auth-profiles.json"),
    sessionsDir: (agentId) => path.join(agentRoot(agentId), "sessions"),
    pluginStateDir: (pluginId) => path.join(stateDir, "channels", pluginId),
    claudeCredentialsPath: path.join(claudeDir, ".credentials.json"),
  };
}
