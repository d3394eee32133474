/**
 * A stand-in for the core in a channel plugin's tests: the {@link ChannelContext} the gateway
 * would give the plugin, recording what the plugin does with it (dispatches and their reply
 * sinks, logs, `ctx.fail` reports, completion requests), and playing the core's part for each
 * dispatch (accepting it, then handling and settling it). Restarting a failed channel is the
 * gateway's job: the harness only records the failure, and a test plays the gateway by
 * stopping the plugin and starting a fresh one (with a fresh harness on the same `stateDir`).
 *
 * No vitest import: bench/ uses it too.
 *
 * @example
 * const harness = createChannelHarness({ channel: "telegram", configModule: telegramConfig, config: { botToken, apiRoot } });
 * harness.handle = (message) => (message.text === "slow" ? never : "done");
 * await plugin.start(harness.ctx);
 * const inbound = await harness.waitForDispatch((m) => m.text === "hello");
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { channelSpec } from "../../src/config/channel-catalog.js";
import { channelFields, configZod } from "../../src/config/channel-kit.js";
import type {
  ChannelConfigModule,
  ChannelContext,
  CommandChoice,
  CommandSpec,
  AutocompleteRequest,
  InboundMessage,
  Logger,
  ReplySink,
  Settlement,
} from "../../src/plugin-api.js";
import { channelServices } from "./channel-services.js";
import { waitFor } from "./wait.js";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields?: Record<string, unknown>;
}

/** Plays the core accepting a message: `ctx.dispatch` resolves when this does, and rejects when it throws. */
export type Accept = (message: InboundMessage) => void | Promise<void>;

/**
 * Plays the core handling an accepted message, in the background as the core does: the
 * message settles with what this returns ("done" when nothing); a throw lands in `errors`.
 */
export type Handle = (message: InboundMessage, sink: ReplySink | undefined) => Settlement | void | Promise<Settlement | void>;

export interface ChannelHarnessOptions {
  /** The plugin's id (its directory under plugins/), for log scopes. */
  channel: string;
  /** `channels.<id>` as the plugin should see it. */
  config: Record<string, any>;
  /**
   * The plugin's config module: `ctx.nativeCommands` is then what the core makes of `config`
   * with it. Without one, native commands are on.
   */
  configModule?: ChannelConfigModule;
  /** The plugin's state directory; default a fresh temporary one, removed by `cleanup()`. */
  stateDir?: string;
  env?: Record<string, string | undefined>;
  /** What `ctx.commands()` returns; `harness.commands` may be replaced later. */
  commands?: CommandSpec[];
  accept?: Accept;
  handle?: Handle;
  /** Answers `ctx.complete` (autocomplete); default no choices. */
  complete?: (request: AutocompleteRequest) => CommandChoice[] | Promise<CommandChoice[]>;
}

export interface ChannelHarness {
  ctx: ChannelContext;
  /** Every message the plugin dispatched, in order. */
  dispatched: InboundMessage[];
  /** The reply sink a message was dispatched with (interactions), if any. */
  sinkOf(message: InboundMessage): ReplySink | undefined;
  logs: LogEntry[];
  /** What the plugin reported through `ctx.fail`, in order (the gateway honours only the first). */
  failures: unknown[];
  /** What `ctx.complete` was asked, in order. */
  completions: AutocompleteRequest[];
  /** What `handle` threw. */
  errors: unknown[];
  /** What `ctx.commands()` returns; tests may replace it. */
  commands: CommandSpec[];
  /** Replaceable at any time; see {@link Accept}. */
  accept?: Accept;
  /** Replaceable at any time; see {@link Handle}. Without one, a message settles "done" at once. */
  handle?: Handle;
  /** Resolves with the first dispatched message (already there or yet to come) matching `predicate`. */
  waitForDispatch(predicate: (message: InboundMessage) => boolean, timeoutMs?: number): Promise<InboundMessage>;
  waitForLog(predicate: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** Resolves with the first error reported through `ctx.fail`. */
  waitForFailure(timeoutMs?: number): Promise<unknown>;
  /** Resolves once `handle` has finished for `count` messages. */
  waitForHandled(count: number, timeoutMs?: number): Promise<void>;
  /** Everything logged, as one string (for "no secret leaked" checks). */
  logText(): string;
  /** Aborts `ctx.signal`, as the gateway does when it stops. */
  abort(): void;
  /** Disposes what the plugin registered through `ctx.effect`, as the gateway does after `stop()`. */
  dispose(): Promise<void>;
  /** Removes the state directory if the harness made it. */
  cleanup(): void;
}

export function createChannelHarness(options: ChannelHarnessOptions): ChannelHarness {
  const changes = new EventEmitter().setMaxListeners(0);
  const changed = () => changes.emit("change");
  const controller = new AbortController();
  const ownStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), `baton-${options.channel}-test-`));
  const sinks = new Map<InboundMessage, ReplySink>();
  let handled = 0;

  const logs: LogEntry[] = [];
  const record = (level: LogEntry["level"]) => (msg: string, fields?: Record<string, unknown>) => {
    logs.push({ level, msg, ...(fields ? { fields } : {}) });
    changed();
  };
  const log: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
  const services = channelServices(stateDir, log, options.channel);
  const spec = options.configModule && channelSpec(options.channel, options.configModule(configZod, channelFields));

  /** The core's part after accepting: `handle` runs on a later tick and its outcome settles the message. */
  const settle = (message: InboundMessage, sink: ReplySink | undefined): Promise<Settlement> => {
    const handle = harness.handle;
    if (!handle) return Promise.resolve("done");
    return new Promise<Settlement>((resolve) => {
      setImmediate(() => {
        let settlement: Settlement = "done";
        Promise.resolve()
          .then(() => handle(message, sink))
          .then((outcome) => {
            if (outcome) settlement = outcome;
          })
          .catch((error) => harness.errors.push(error))
          .finally(() => {
            handled += 1;
            changed();
            resolve(settlement);
          });
      });
    });
  };

  const harness: ChannelHarness = {
    dispatched: [],
    sinkOf: (message) => sinks.get(message),
    logs,
    failures: [],
    completions: [],
    errors: [],
    commands: options.commands ?? [],
    accept: options.accept,
    handle: options.handle,
    ctx: {
      config: options.config,
      nativeCommands: spec ? spec.nativeCommands(options.config) : true,
      env: options.env ?? {},
      stateDir,
      state: services.state,
      signal: controller.signal,
      log: services.log,
      effect: services.effect,
      async dispatch(message, sink) {
        harness.dispatched.push(message);
        if (sink) sinks.set(message, sink);
        changed();
        await harness.accept?.(message);
        return { settled: settle(message, sink) };
      },
      commands: () => harness.commands,
      async complete(request) {
        harness.completions.push(request);
        return options.complete ? options.complete(request) : [];
      },
      fail(error) {
        harness.failures.push(error);
        changed();
      },
    },
    waitForDispatch: (predicate, timeoutMs) => waitFor(() => harness.dispatched.find(predicate), { changes, timeoutMs, what: "a dispatched message" }),
    waitForLog: (predicate, timeoutMs) => waitFor(() => logs.find(predicate), { changes, timeoutMs, what: "a log entry" }),
    waitForFailure: (timeoutMs) =>
      waitFor(() => (harness.failures.length > 0 ? { error: harness.failures[0] } : undefined), { changes, timeoutMs, what: "ctx.fail" }).then((f) => f.error),
    waitForHandled: (count, timeoutMs) => waitFor(() => handled >= count, { changes, timeoutMs, what: `${count} handled dispatches` }).then(() => undefined),
    logText: () => logs.map((e) => `${e.level} ${e.msg} ${JSON.stringify(e.fields ?? {})}`).join("\n"),
    abort: () => controller.abort(),
    dispose: () => services.dispose(),
    cleanup: () => {
      if (ownStateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return harness;
}
