/**
 * A stand-in for the core in Telegram plugin tests: a {@link ChannelContext} that records
 * what the plugin dispatches, logs and reports through `ctx.fail`, and can react to each
 * dispatch (e.g. echo a reply). Restarting a failed channel is the gateway's job, so the
 * harness only records the failure; a test plays the gateway by stopping the plugin and
 * starting a fresh one.
 */
import { EventEmitter } from "node:events";
import { createServer } from "node:net";
import type { ChannelContext, CommandSpec, InboundMessage, Logger, Settlement } from "../../src/plugin-api.js";
import { channelServices } from "../../test/support/channel-services.js";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields?: Record<string, unknown>;
}

export interface Harness {
  ctx: ChannelContext;
  dispatched: InboundMessage[];
  logs: LogEntry[];
  /** What the plugin reported through `ctx.fail`, in order (the gateway honours only the first). */
  failures: unknown[];
  /** Replaced freely by tests; the commands `ctx.commands()` returns. */
  commands: CommandSpec[];
  /** Called for each dispatch; `ctx.dispatch` resolves when this does (the core "accepting" the message). */
  onDispatch?: (message: InboundMessage) => void | Promise<void>;
  /** The receipt's `settled` for each dispatch (the core finishing with the message); default: settled at once. */
  settle?: (message: InboundMessage) => Promise<Settlement>;
  waitForDispatch(predicate: (m: InboundMessage) => boolean, timeoutMs?: number): Promise<InboundMessage>;
  waitForLog(predicate: (e: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** Resolves with the first error reported through `ctx.fail`. */
  waitForFailure(timeoutMs?: number): Promise<unknown>;
  /** Everything logged, as one string (for "no secret leaked" checks). */
  logText(): string;
  /** Aborts `ctx.signal`, as the gateway does when it stops. */
  abort(): void;
  /** Disposes what the plugin registered through `ctx.effect`, as the gateway does after `stop()`. */
  dispose(): Promise<void>;
}

export function createHarness(options: {
  config: Record<string, unknown>;
  stateDir: string;
  env?: Record<string, string | undefined>;
  commands?: CommandSpec[];
}): Harness {
  const events = new EventEmitter();
  const controller = new AbortController();
  const logs: LogEntry[] = [];
  const record = (level: LogEntry["level"]) => (msg: string, fields?: Record<string, unknown>) => {
    logs.push({ level, msg, fields });
    events.emit("change");
  };
  const log: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
  const services = channelServices(options.stateDir, log, "telegram");

  const waitFor = <T>(find: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        events.off("change", check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        events.off("change", check);
        reject(new Error(`harness: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      events.on("change", check);
      check();
    });

  const harness: Harness = {
    dispatched: [],
    logs,
    failures: [],
    commands: options.commands ?? [],
    ctx: {
      config: options.config,
      // as the core computes it from plugins/telegram/config.ts (commands.menu)
      nativeCommands: (options.config.commands as { menu?: boolean } | undefined)?.menu !== false,
      env: options.env ?? {},
      stateDir: options.stateDir,
      state: services.state,
      signal: controller.signal,
      log: services.log,
      effect: services.effect,
      async dispatch(message) {
        harness.dispatched.push(message);
        events.emit("change");
        await harness.onDispatch?.(message);
        return { settled: harness.settle?.(message) ?? Promise.resolve("done" as const) };
      },
      commands: () => harness.commands,
      complete: async () => [],
      fail(error) {
        harness.failures.push(error);
        events.emit("change");
      },
    },
    waitForDispatch: (predicate, timeoutMs = 10_000) =>
      waitFor(() => harness.dispatched.find(predicate), timeoutMs, "a dispatched message"),
    waitForLog: (predicate, timeoutMs = 10_000) => waitFor(() => logs.find(predicate), timeoutMs, "a log entry"),
    waitForFailure: (timeoutMs = 10_000) =>
      waitFor(() => (harness.failures.length > 0 ? { error: harness.failures[0] } : undefined), timeoutMs, "ctx.fail").then((f) => f.error),
    logText: () => logs.map((e) => `${e.level} ${e.msg} ${JSON.stringify(e.fields ?? {})}`).join("\n"),
    abort: () => controller.abort(),
    dispose: () => services.dispose(),
  };
  return harness;
}

/** A loopback port nobody listens on right now (for a webhook server under test). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
