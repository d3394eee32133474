/** A real `redis-server` per test suite, on a free loopback port, keeping nothing on disk. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Socket } from "node:net";
import { freePort } from "./net.js";
import { waitFor } from "./wait.js";

export interface TestRedis {
  port: number;
  url: string;
  /** SIGSTOP: the server holds connections but answers nothing (a hung peer). */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after {@link stop}); the data is gone. */
  restart(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER_BIN ?? "redis-server";

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-redis-"));
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const proc = spawn(BINARY, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = proc;
    let failed: Error | undefined;
    proc.once("error", (err) => (failed = err));
    await waitFor(async () => {
      if (failed) throw failed;
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      return ping(port);
    }, { timeoutMs: 10_000, intervalMs: 50, what: `redis-server on port ${port} to answer PING` });
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    proc.kill("SIGCONT");
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
  }

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

/** One raw PING, so starting the server needs no client library. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}
