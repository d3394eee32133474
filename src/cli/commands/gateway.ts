import { configuredChannels, Gateway } from "../../chat/gateway.js";
import type { ChannelStatus } from "../../chat/channel-supervisor.js";
import { installLastResortHandlers } from "../../util/last-resort.js";
import { createLogger } from "../../util/log.js";
import { EXIT, type CliContext } from "../context.js";
import { httpSettings, type HttpSettings } from "../../http/settings.js";
import type { HttpSurface } from "../../http/surface.js";
import type { Logger } from "../../plugin-api.js";
import { runConsole } from "./chat.js";
import { runtimeOrReport } from "./load-runtime.js";
import { exitSoon, untilSignal } from "./until-signal.js";

/** A stop must finish within this, whatever state the gateway is in (DESIGN.md §7: exit 0 within 10 s). */
const STOP_DEADLINE_MS = 9000;

/**
 * `baton gateway`: runs the configured channels until SIGTERM/SIGINT; the console when none is
 * configured. With `gateway.http.port` or `--http-port`, the HTTP surface (src/http/) runs beside.
 */
export async function run(options: { httpPort?: string }, ctx: CliContext): Promise<number> {
  // from the first moment: a signal during config loading or a slow channel start still stops cleanly
  const signalled = untilSignal();
  let stopping = false;
  void signalled.then(() => {
    stopping = true;
    setTimeout(() => process.exit(EXIT.ok), STOP_DEADLINE_MS).unref();
  });
  const runtime = await runtimeOrReport(ctx, { shellImport: true });
  if (!runtime) return EXIT.failure;
  if (stopping) return EXIT.ok;
  const http = httpSettings(options.httpPort, runtime.config.gateway.http);
  if (http && "error" in http) {
    ctx.stderr.write(`${http.error}\n`);
    return EXIT.usage;
  }
  const channels = configuredChannels(runtime);
  if (channels.every((id) => runtime.channels.get(id)?.access.local)) {
    const remote = runtime.channels.all().filter((spec) => !spec.access.local).map((spec) => `channels.${spec.id}`);
    ctx.stderr.write(`No channel configured${remote.length ? ` (${remote.join(" / ")})` : ""}; chatting in the terminal.\n`);
    const beside = http ? (gateway: Gateway, log: Logger & { child(scope: string): Logger }) => startSurface(gateway, http, log.child("http")) : undefined;
    return runConsole(runtime, runtime.config.channels?.console?.session ?? "main", undefined, beside);
  }
  const log = createLogger({ level: runtime.config.gateway.logLevel });
  const gateway = new Gateway({ runtime, channels, log });
  let surface: HttpSurface | undefined;
  if (http) {
    try {
      surface = await startSurface(gateway, http, log.child("http"));
    } catch (err) {
      ctx.stderr.write(`Gateway failed to start: HTTP server on ${http.host}:${http.port}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.failure;
    }
  }
  installLastResortHandlers(log, () => {
    process.exitCode = EXIT.failure;
    setTimeout(() => process.exit(EXIT.failure), STOP_DEADLINE_MS).unref();
    void gateway.stop().finally(() => process.exit(EXIT.failure));
  });
  try {
    await Promise.race([gateway.start(), signalled]);
  } catch (err) {
    ctx.stderr.write(`Gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    await gateway.stop();
    await surface?.stop();
    return EXIT.failure;
  }
  const httpLine = surface ? `; HTTP on ${surface.url}` : "";
  if (!stopping) ctx.stderr.write(`Baton gateway running (${describeChannels(gateway.channelStatus())})${httpLine}. Stop with SIGTERM or Ctrl-C.\n`);
  await signalled;
  await gateway.stop();
  await surface?.stop();
  exitSoon(EXIT.ok);
  return EXIT.ok;
}

/** "<id>: up, <id>: down (retrying: connect ECONNREFUSED)", one entry per channel. */
export function describeChannels(statuses: ChannelStatus[]): string {
  return statuses
    .map((s) => {
      if (s.state === "up") return `${s.channel}: up`;
      if (s.state === "standby") return `${s.channel}: standby (another gateway holds it)`;
      return `${s.channel}: down (${s.state === "retrying" ? `retrying${s.lastError ? `: ${s.lastError}` : ""}` : s.state})`;
    })
    .join(", ");
}

/** Starts the HTTP surface of `gateway` (prom-client and the page are loaded only when it is on). */
async function startSurface(gateway: Gateway, http: HttpSettings, log: Logger): Promise<HttpSurface> {
  const { startHttpSurface } = await import("../../http/surface.js");
  const surface = await startHttpSurface({ gateway, ...http, log });
  log.info("http: listening", { url: surface.url, statusPage: Boolean(http.token) });
  return surface;
}
