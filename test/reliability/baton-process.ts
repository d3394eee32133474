/**
 * `bin/baton` as a child process (a one-off command, or the gateway), with a clean environment: only PATH, HOME, BATON_STATE_DIR,
 * NO_COLOR and what the test passes. Output is collected so a test can search it (for secrets,
 * for errors).
 *
 * It runs from a private copy of the build ({@link snapshotBuild}): the CLI loads its chunks
 * lazily, and a rebuild of dist/ in the shared checkout while a gateway runs would pull a
 * chunk from under it ("Cannot find module"), which says nothing about Baton.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN, DIST, REPO_ROOT } from "../cli/helpers.js";

export interface BuildSnapshot {
  /** The copy's bin/baton. */
  bin: string;
  remove(): void;
}

/** Relative imports of the bundled CLI's files that do not exist (a copy taken mid-build). */
function missingChunks(cliDir: string): string[] {
  const missing: string[] = [];
  for (const name of fs.readdirSync(cliDir).filter((n) => n.endsWith(".js"))) {
    const text = fs.readFileSync(path.join(cliDir, name), "utf8");
    for (const match of text.matchAll(/["'](\.\/[\w.-]+\.js)["']/g)) {
      if (!fs.existsSync(path.join(cliDir, match[1]))) missing.push(`${name} -> ${match[1]}`);
    }
  }
  return missing;
}

/** Copies bin/, dist/ and package.json to a temp dir (node_modules linked), retrying while a build is under way. */
export async function snapshotBuild(): Promise<BuildSnapshot> {
  for (let attempt = 1; ; attempt++) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "baton-build-"));
    const remove = () => fs.rmSync(root, { recursive: true, force: true });
    try {
      fs.cpSync(DIST, path.join(root, "dist"), { recursive: true });
      fs.mkdirSync(path.join(root, "bin"));
      fs.copyFileSync(BIN, path.join(root, "bin", "baton"));
      fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(root, "package.json"));
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
      const missing = missingChunks(path.join(root, "dist", "cli"));
      if (!missing.length && fs.existsSync(path.join(root, "dist", "cli", "main.js"))) return { bin: path.join(root, "bin", "baton"), remove };
      throw new Error(`incomplete build copied: ${missing.slice(0, 3).join(", ")}`);
    } catch (err) {
      remove();
      if (attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 2000)); // someone is rebuilding dist/
    }
  }
}

export interface GatewayProcess {
  child: ChildProcess;
  /** When it was spawned and (once it has) exited, ms since epoch. */
  spawnedAt: number;
  exitedAt?: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface GatewayProcessOptions {
  /** bin/baton to run (a {@link snapshotBuild}). */
  bin: string;
  home: string;
  stateDir: string;
  env?: Record<string, string>;
  args?: string[];
}

const READY = "Baton gateway running";

function cleanEnv(options: { home: string; stateDir: string; env?: Record<string, string> }): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.home, BATON_STATE_DIR: options.stateDir, NO_COLOR: "1", ...options.env };
}

export interface CliRun {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to its end; stdin is a pipe that gets `input` and is closed. */
export function runCli(options: { bin: string; home: string; stateDir: string; env?: Record<string, string> }, args: string[], input = "", timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin, ...args], { env: cleanEnv(options), cwd: options.home, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ args, code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.on("error", () => {}); // it may exit before reading stdin
    child.stdin.end(input);
  });
}

/** Spawns the gateway; resolves once it says it is running (its channels are connected). */
export async function startGatewayProcess(options: GatewayProcessOptions, readyTimeoutMs = 30_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [options.bin, ...(options.args ?? ["gateway"])], { env: cleanEnv(options), cwd: options.home, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (c: Buffer) => out.push(c));
  const proc: GatewayProcess = {
    child,
    spawnedAt: Date.now(),
    stdout: () => Buffer.concat(out).toString("utf8"),
    stderr: () => Buffer.concat(err).toString("utf8"),
    exited: new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        proc.exitedAt = Date.now();
        resolve({ code, signal });
      });
    }),
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`gateway not running after ${readyTimeoutMs} ms:\n${proc.stderr()}`)), readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      err.push(chunk);
      if (proc.stderr().includes(READY)) {
        cleanup();
        resolve();
      }
    };
    const onExit = () => fail(new Error(`gateway exited before it was running:\n${proc.stderr()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.off("exit", onExit);
    };
    const fail = (error: Error) => {
      cleanup();
      child.kill("SIGKILL");
      reject(error);
    };
    child.stderr!.on("data", onData);
    child.on("exit", onExit);
  });
  return proc;
}

/** SIGKILL, then wait for the exit. */
export async function killHard(proc: GatewayProcess): Promise<void> {
  proc.child.kill("SIGKILL");
  await proc.exited;
}
