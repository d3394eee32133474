import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir, type Runtime } from "../../config/runtime.js";
import type { Logger } from "../../plugin-api.js";
import { createLogger, describeThrown } from "../../util/log.js";
import { Gateway } from "../../chat/gateway.js";
import { EXIT, type CliContext } from "../context.js";
import { runtimeOrReport } from "./load-runtime.js";
import { exitSoon, untilSignal } from "./until-signal.js";

/**
 * Runs the console channel until stdin ends (then lets pending replies finish) or a signal arrives.
 * `beside`: started with the gateway and stopped after it (`baton gateway`'s HTTP surface), given
 * the console's logger ({@link consoleLogger}).
 */
export async function runConsole(
  runtime: Runtime,
  session: string,
  agentId?: string,
  beside?: (gateway: Gateway, log: Logger & { child(scope: string): Logger }) => Promise<{ stop(): Promise<void> }>,
): Promise<number> {
  const channels = { ...(runtime.config.channels ?? {}), console: { enabled: true, session } };
  const config = { ...runtime.config, channels };
  if (agentId) {
    config.bindings = [{ agentId, match: { channel: "console" } }, ...(config.bindings ?? [])];
  }
  const logs = consoleLogger(runtime);
  if (process.stdin.isTTY && process.stdout.isTTY) process.stderr.write(`Logs: ${logs.file} (errors also here)\n`);
  const gateway = new Gateway({ runtime: { ...runtime, config }, channels: ["console"], log: logs.log });
  const alongside = await beside?.(gateway, logs.log);
  await gateway.start();
  // the input ends with stdin (a pipe), or when the console channel closes it (/quit, Ctrl-D at the prompt)
  const reason = await untilSignal((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
  if (reason === "end") await gateway.router.queue.drainFor();
  await gateway.stop();
  await alongside?.stop();
  logs.close();
  exitSoon(EXIT.ok);
  return EXIT.ok;
}

/** The chat log grows to this, then starts over (the previous one kept as `chat.log.1`). */
const MAX_LOG_BYTES = 10 * 1024 * 1024;

/**
 * Logs while the terminal is the chat: everything at `gateway.logLevel` to `<state>/logs/chat.log`,
 * and only errors to stderr, so warnings never land between the prompt and the replies.
 */
export function consoleLogger(runtime: Runtime): { log: Logger & { child(scope: string): Logger }; file: string; close(): void } {
  const dir = path.join(runtime.paths.stateDir, "logs");
  const file = path.join(dir, "chat.log");
  let fd: number | undefined;
  try {
    ensurePrivateDir(dir);
    if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) fs.renameSync(file, `${file}.1`);
    fd = fs.openSync(file, "a", 0o600);
  } catch (err) {
    process.stderr.write(`cannot write ${file} (${describeThrown(err)}); logging errors only\n`);
  }
  const toFile = createLogger({
    level: runtime.config.gateway.logLevel,
    write: (line) => {
      if (fd !== undefined) fs.writeSync(fd, line);
    },
  });
  const toStderr = createLogger({ level: "error" });
  return {
    log: teeLogger(toFile, toStderr),
    file,
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}

type ScopedLogger = Logger & { child(scope: string): Logger };

/** One logger writing to both. */
function teeLogger(a: ScopedLogger, b: ScopedLogger): ScopedLogger {
  const both = (x: Logger, y: Logger): Logger => ({
    debug: (m, f) => (x.debug(m, f), y.debug(m, f)),
    info: (m, f) => (x.info(m, f), y.info(m, f)),
    warn: (m, f) => (x.warn(m, f), y.warn(m, f)),
    error: (m, f) => (x.error(m, f), y.error(m, f)),
  });
  return { ...both(a, b), child: (scope) => both(a.child(scope), b.child(scope)) };
}

export async function run(options: { agent?: string; session?: string }, ctx: CliContext): Promise<number> {
  const runtime = await runtimeOrReport(ctx, { shellImport: true });
  if (!runtime) return EXIT.failure;
  return runConsole(runtime, options.session ?? "main", options.agent);
}
