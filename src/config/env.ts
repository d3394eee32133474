import fs from "node:fs";
import { parse as parseDotenv } from "dotenv";
import type { BatonConfig } from "./schema.js";
import type { Env } from "./paths.js";

/**
 * The core's keys imported from the login shell: provider credentials and endpoints. Channel
 * plugins add their own (`envKeys` in their config modules); nothing else is imported.
 */
export const CORE_SHELL_IMPORT_KEYS: readonly string[] = ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "CLAUDE_CONFIG_DIR"];

export interface EnvLayers {
  process: Env;
  dotenv: Record<string, string>;
  config: Record<string, string>;
  shell: Record<string, string>;
}

/** Reads `<state>/.env` with dotenv's parser; a missing file is empty. */
export function readDotenvFile(file: string): Record<string, string> {
  try {
    return parseDotenv(fs.readFileSync(file));
  } catch (err: any) {
    if (err?.code === "ENOENT") return {};
    throw err;
  }
}

/** String entries of the config `env` block: top-level strings plus `env.vars`. */
export function configEnvVars(config: BatonConfig): Record<string, string> {
  const block = config.env ?? {};
  const vars: Record<string, string> = { ...(block.vars ?? {}) };
  for (const [key, value] of Object.entries(block)) {
    if (typeof value === "string") vars[key] = value;
  }
  return vars;
}

/**
 * Precedence (docs/CONFIG.md), highest first: process env, `<state>/.env`, config `env`, login shell.
 * A lower layer never overrides a non-empty value of a higher one. Pure.
 */
export function mergeEnv(layers: EnvLayers): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  const ordered = [layers.shell, layers.config, layers.dotenv, layers.process];
  for (const layer of ordered) {
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined && value !== "") merged[key] = value;
      else if (!(key in merged)) merged[key] = value;
    }
  }
  return merged;
}

/** Runs `$SHELL -l -c 'env -0'` with a timeout and returns those of `keys` it exports. Never throws. */
export async function importLoginShellEnv(shell: string | undefined, timeoutMs: number, keys: readonly string[]): Promise<Record<string, string>> {
  if (!shell) return {};
  // loaded here, not at the top: child_process costs every light command a few milliseconds
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (value: Record<string, string>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const child = spawn(shell, ["-l", "-c", "env -0"], { stdio: ["ignore", "pipe", "ignore"] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({});
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", () => finish({}));
    child.on("close", () => {
      const imported: Record<string, string> = {};
      for (const entry of Buffer.concat(chunks).toString("utf8").split("\0")) {
        const eq = entry.indexOf("=");
        if (eq <= 0) continue;
        const key = entry.slice(0, eq);
        if (keys.includes(key)) imported[key] = entry.slice(eq + 1);
      }
      finish(imported);
    });
  });
}
