/**
 * `bin/baton gateway` as a child process (the built dist/), with a clean environment: only
 * PATH, HOME, BATON_STATE_DIR, NO_COLOR and what the test passes. Output is collected so a test
 * can search it (for secrets, for errors).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { BIN } from "../cli/helpers.js";

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
  home: string;
  stateDir: string;
  env?: Record<string, string>;
  args?: string[];
}

const READY = "Baton gateway running";

/** Spawns the gateway; resolves once it says it is running (its channels are connected). */
export async function startGatewayProcess(options: GatewayProcessOptions, readyTimeoutMs = 30_000): Promise<GatewayProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: options.home,
    BATON_STATE_DIR: options.stateDir,
    NO_COLOR: "1",
    ...options.env,
  };
  const child = spawn(process.execPath, [BIN, ...(options.args ?? ["gateway"])], { env, cwd: options.home, stdio: ["ignore", "pipe", "pipe"] });
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
