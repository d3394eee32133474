import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { channelServices } from "../../support/channel-services.js";
import type {
  ChannelContext,
  CommandChoice,
  CommandSpec,
  CompletionRequest,
  InboundMessage,
  Logger,
  ReplySink,
  Settlement,
} from "../../../src/plugin-api.js";

/** One message the plugin handed to the core. */
export interface HarnessDispatch {
  message: InboundMessage;
  sink?: ReplySink;
}

export interface HarnessLog {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields?: Record<string, unknown>;
}

export interface HarnessOptions {
  /** `channels.discord` as the core would pass it (validated, defaults applied). */
  config: Record<string, any>;
  env?: Record<string, string | undefined>;
  commands?: CommandSpec[];
  /**
   * Plays the core's part for each dispatched message. Runs after `dispatch` has resolved,
   * as the core answers after accepting; its failures land in `errors`. The message settles
   * with what it returns ("done" when nothing).
   */
  onDispatch?: (message: InboundMessage, sink: ReplySink | undefined) => Promise<Settlement | void> | Settlement | void;
  /** Makes `dispatch` itself reject for these messages, as a core that cannot take them would. */
  dispatchFails?: (message: InboundMessage) => boolean;
  complete?: (request: CompletionRequest) => Promise<CommandChoice[]> | CommandChoice[];
}

export interface Harness {
  ctx: ChannelContext;
  dispatched: HarnessDispatch[];
  completions: CompletionRequest[];
  logs: HarnessLog[];
  /** Errors thrown by `onDispatch`. */
  errors: unknown[];
  /** Every `ctx.fail` call, in order. */
  failures: unknown[];
  /** Resolves with the first log line (existing or coming) matching `predicate`. */
  waitForLog(predicate: (line: HarnessLog) => boolean, timeoutMs?: number): Promise<HarnessLog>;
  /** Resolves with the first `ctx.fail` error (existing or coming). */
  waitForFailure(timeoutMs?: number): Promise<unknown>;
  /** Resolves with the first dispatch (existing or coming) matching `predicate`. */
  waitForDispatch(predicate: (d: HarnessDispatch) => boolean, timeoutMs?: number): Promise<HarnessDispatch>;
  /** Resolves once `onDispatch` has settled for `count` dispatches. */
  waitForHandled(count: number, timeoutMs?: number): Promise<void>;
  /** Aborts `ctx.signal`, as the gateway does when it stops. */
  abort(): void;
  /** Disposes what the plugin registered through `ctx.effect`, as the gateway does after `stop()`. */
  dispose(): Promise<void>;
  /** Removes the state directory. */
  cleanup(): void;
}

/** A ChannelContext standing in for the core in plugin tests: records dispatches, logs and completions. */
export function createHarness(options: HarnessOptions): Harness {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const controller = new AbortController();
  const stateDir = mkdtempSync(join(tmpdir(), "baton-discord-test-"));
  const dispatched: HarnessDispatch[] = [];
  const completions: CompletionRequest[] = [];
  const logs: HarnessLog[] = [];
  const errors: unknown[] = [];
  const failures: unknown[] = [];
  let handled = 0;

  const logAt =
    (level: HarnessLog["level"]) =>
    (msg: string, fields?: Record<string, unknown>) => {
      logs.push({ level, msg, ...(fields ? { fields } : {}) });
      events.emit("log");
    };
  const log: Logger = { debug: logAt("debug"), info: logAt("info"), warn: logAt("warn"), error: logAt("error") };
  const services = channelServices(stateDir, log, "discord");

  const ctx: ChannelContext = {
    config: options.config,
    // as the core computes it from plugins/discord/config.ts (commands.native)
    nativeCommands: options.config.commands?.native !== false,
    env: options.env ?? {},
    stateDir,
    state: services.state,
    signal: controller.signal,
    log: services.log,
    effect: services.effect,
    async dispatch(message, sink) {
      const entry = { message, ...(sink ? { sink } : {}) };
      dispatched.push(entry);
      events.emit("dispatch");
      if (options.dispatchFails?.(message)) throw new Error("harness: the core refused the dispatch");
      if (!options.onDispatch) return { settled: Promise.resolve("done" as const) };
      const handler = options.onDispatch;
      const settled = new Promise<Settlement>((resolve) => {
        setImmediate(() => {
          let settlement: Settlement = "done";
          Promise.resolve()
            .then(() => handler(message, sink))
            .then((outcome) => {
              if (outcome) settlement = outcome;
            })
            .catch((error) => errors.push(error))
            .finally(() => {
              handled += 1;
              events.emit("handled");
              resolve(settlement);
            });
        });
      });
      return { settled };
    },
    commands: () => options.commands ?? [],
    async complete(request) {
      completions.push(request);
      return options.complete ? options.complete(request) : [];
    },
    fail(error) {
      failures.push(error);
      events.emit("fail");
    },
  };

  const waitOn = <T>(event: string, check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return false;
        events.off(event, attempt);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        events.off(event, attempt);
        reject(new Error(`harness: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      if (!attempt()) events.on(event, attempt);
    });

  return {
    ctx,
    dispatched,
    completions,
    logs,
    errors,
    failures,
    waitForLog: (predicate, timeoutMs = 10_000) => waitOn("log", () => logs.find(predicate), timeoutMs, "a log line"),
    waitForFailure: (timeoutMs = 10_000) => waitOn("fail", () => (failures.length ? { error: failures[0] } : undefined), timeoutMs, "ctx.fail").then(({ error }) => error),
    waitForDispatch: (predicate, timeoutMs = 10_000) => waitOn("dispatch", () => dispatched.find(predicate), timeoutMs, "a dispatch"),
    waitForHandled: (count, timeoutMs = 10_000) => waitOn("handled", () => (handled >= count ? true : undefined), timeoutMs, `${count} handled dispatches`).then(() => {}),
    abort: () => controller.abort(),
    dispose: () => services.dispose(),
    cleanup: () => rmSync(stateDir, { recursive: true, force: true }),
  };
}
