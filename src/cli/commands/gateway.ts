import { configuredChannels, Gateway } from "../../chat/gateway.js";
import type { ChannelStatus } from "../../chat/channel-supervisor.js";
import { installLastResortHandlers } from "../../util/last-resort.js";
import { createLogger } from "../../util/log.js";
import { EXIT, type CliContext } from "../context.js";
import { runConsole } from "./chat.js";
import { runtimeOrReport } from "./load-runtime.js";
import { exitSoon, untilSignal } from "./until-signal.js";

/** A stop must finish within this, whatever state the gateway is in (DESIGN.md §7: exit 0 within 10 s). */
const STOP_DEADLINE_MS = 9000;

/** `baton gateway`: runs the configured channels until SIGTERM/SIGINT; the console when none is configured. */
export async function run(_options: unknown, ctx: CliContext): Promise<number> {
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
  const channels = configuredChannels(runtime);
  if (channels.every((id) => runtime.channels.get(id)?.access.local)) {
    const remote = runtime.channels.all().filter((spec) => !spec.access.local).map((spec) => `channels.${spec.id}`);
    ctx.stderr.write(`No channel configured${remote.length ? ` (${remote.join(" / ")})` : ""}; chatting in the terminal.\n`);
    return runConsole(runtime, runtime.config.channels?.console?.session ?? "main");
  }
  const log = createLogger({ level: runtime.config.gateway.logLevel });
  const gateway = new Gateway({ runtime, channels, log });
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
    return EXIT.failure;
  }
  if (!stopping) ctx.stderr.write(`Baton gateway running (${describeChannels(gateway.channelStatus())}). Stop with SIGTERM or Ctrl-C.\n`);
  await signalled;
  await gateway.stop();
  exitSoon(EXIT.ok);
  return EXIT.ok;
}

/** "<id>: up, <id>: down (retrying: connect ECONNREFUSED)", one entry per channel. */
export function describeChannels(statuses: ChannelStatus[]): string {
  return statuses
    .map((s) => (s.state === "up" ? `${s.channel}: up` : `${s.channel}: down (${s.state === "retrying" ? `retrying${s.lastError ? `: ${s.lastError}` : ""}` : s.state})`))
    .join(", ");
}
