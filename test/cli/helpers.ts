import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";

/**
 * Shared helpers of the CLI integration suite: a throw-away HOME + state dir, a runner that
 * spawns the real `bin/baton` (built `dist/`) with a clean environment, realistic fake secrets,
 * and a transcript of every output so a test can assert no secret ever appeared whole.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(REPO_ROOT, "bin", "baton");
export const DIST = path.join(REPO_ROOT, "dist");

export interface CliHome {
  home: string;
  stateDir: string;
  configPath: string;
  envFile: string;
  claudeCredentialsPath: string;
  storePath(agentId?: string): string;
  cleanup(): void;
}

export function makeHome(): CliHome {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "baton-cli-"));
  const stateDir = path.join(home, ".baton");
  return {
    home,
    stateDir,
    configPath: path.join(stateDir, "baton.json5"),
    envFile: path.join(stateDir, ".env"),
    claudeCredentialsPath: path.join(home, ".claude", ".credentials.json"),
    storePath: (agentId = "main") => path.join(stateDir, "agents", agentId, "agent", "auth-profiles.json"),
    cleanup: () => fs.rmSync(home, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is a pipe, never a TTY). */
  input?: string;
  env?: Record<string, string>;
}

/** Every stdout/stderr of this test file's CLI runs. */
export const transcripts: { args: string[]; stdout: string; stderr: string }[] = [];

/**
 * Runs `bin/baton` with only PATH, HOME, BATON_STATE_DIR and NO_COLOR from us: no ANTHROPIC_*,
 * BATON_* or CLAUDE_* leaks in from the parent environment.
 */
export function runBaton(home: CliHome, args: string[], options: RunOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home.home,
    BATON_STATE_DIR: home.stateDir,
    NO_COLOR: "1",
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: home.home, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const result = { code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
      transcripts.push({ args, stdout: result.stdout, stderr: result.stderr });
      resolve(result);
    });
    child.stdin.on("error", () => {}); // the command may exit before reading stdin
    child.stdin.end(options.input ?? "");
  });
}

/** Parses stdout as JSON, failing the test with the output when it is not. */
export function json(result: CliResult): any {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

const secrets = new Set<string>();

/** A realistic, unique fake secret, remembered so {@link expectNoSecretLeak} can look for it. */
export function fakeSecret(kind: "api-key" | "setup-token" | "oauth-access" | "oauth-refresh" | "openrouter"): string {
  const body = randomBytes(48).toString("base64url");
  const value = {
    "api-key": `sk-ant-api03-${body}${body.slice(0, 30)}-AA`,
    "setup-token": `sk-ant-oat01-${body}${body.slice(0, 20)}-AA`,
    "oauth-access": `sk-ant-oat01-${body}-acc`,
    "oauth-refresh": `sk-ant-ort01-${body}-ref`,
    openrouter: `sk-or-v1-${randomBytes(32).toString("hex")}`,
  }[kind];
  secrets.add(value);
  return value;
}

/** Asserts that no output of this file's runs holds a fake secret whole, or its hidden middle part. */
export function expectNoSecretLeak(): void {
  expect(transcripts.length).toBeGreaterThan(0);
  for (const t of transcripts) {
    for (const secret of secrets) {
      const where = `baton ${t.args.join(" ")}`;
      for (const [stream, text] of [
        ["stdout", t.stdout],
        ["stderr", t.stderr],
      ] as const) {
        expect(text.includes(secret), `${where}: ${stream} holds a whole secret`).toBe(false);
        expect(text.includes(secret.slice(8, -4)), `${where}: ${stream} holds the hidden part of a secret`).toBe(false);
      }
    }
  }
}

export function writeJson(file: string, value: unknown, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(value, null, 2), { mode });
}

export function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

export function fileMode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

/** Fails early with a clear message when `dist/` has not been built. */
export function assertBuilt(): void {
  const entry = /import\("\.\.\/dist\/([^"]+)"\)/.exec(fs.readFileSync(BIN, "utf8"))?.[1];
  for (const built of [entry && path.join(DIST, entry), path.join(DIST, "src", "auth", "store.js")]) {
    if (built && !fs.existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before the CLI suite`);
  }
}

/**
 * The hooks every CLI suite needs: the build exists, each test gets a fresh HOME/state dir
 * (handed to `use`), it is removed afterwards, and the suite's outputs leak no secret.
 */
export function freshHomeForEachTest(use: (home: CliHome) => void): void {
  let current: CliHome | undefined;
  beforeAll(assertBuilt);
  beforeEach(() => {
    current = makeHome();
    use(current);
  });
  afterEach(() => current?.cleanup());
  afterAll(expectNoSecretLeak);
}
