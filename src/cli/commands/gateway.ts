import { configuredChannels, Gateway } from "../../chat/gateway.js";
import { EXIT, type CliContext } from "../context.js";
import { runConsole } from "./chat.js";
import { runtimeOrReport } from "./load-runtime.js";
import { exitSoon, untilSignal } from "./until-signal.js";

/** `baton gateway`: runs the configured channels until SIGTERM/SIGINT; the console when none is configured. */
export async function run(_options: unknown, ctx: CliContext): Promise<number> {
  const runtime = await runtimeOrReport(ctx, { shellImport: true });
  if (!runtime) return EXIT.failure;
  const channels = configuredChannels(runtime);
  if (channels.length === 1 && channels[0] === "console") {
    ctx.stderr.write("No channel configured (channels.telegram / channels.discord); chatting in the terminal.\n");
    return runConsole(runtime, runtime.config.channels?.console?.session ?? "main");
  }
  const gateway = new Gateway({ runtime, channels });
  try {
    await gateway.start();
  } catch (err) {
    ctx.stderr.write(`Gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    await gateway.stop();
    return EXIT.failure;
  }
  ctx.stderr.write(`Baton gateway running (${channels.join(", ")}). Stop with SIGTERM or Ctrl-C.\n`);
  await untilSignal();
  await gateway.stop();
  exitSoon(EXIT.ok);
  return EXIT.ok;
}
