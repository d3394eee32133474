import type { Runtime } from "../../config/runtime.js";
import { Gateway } from "../../chat/gateway.js";
import { EXIT, type CliContext } from "../context.js";
import { runtimeOrReport } from "./load-runtime.js";
import { exitSoon, untilSignal } from "./until-signal.js";

/**
 * Runs the console channel until stdin ends (then lets pending replies finish) or a signal arrives.
 * `beside`: started with the gateway and stopped after it (`baton gateway`'s HTTP surface).
 */
export async function runConsole(runtime: Runtime, session: string, agentId?: string, beside?: (gateway: Gateway) => Promise<{ stop(): Promise<void> }>): Promise<number> {
  const channels = { ...(runtime.config.channels ?? {}), console: { enabled: true, session } };
  const config = { ...runtime.config, channels };
  if (agentId) {
    config.bindings = [{ agentId, match: { channel: "console" } }, ...(config.bindings ?? [])];
  }
  const gateway = new Gateway({ runtime: { ...runtime, config }, channels: ["console"] });
  const alongside = await beside?.(gateway);
  await gateway.start();
  const reason = await untilSignal((resolve) => process.stdin.once("end", resolve));
  if (reason === "end") await gateway.router.queue.drainFor();
  await gateway.stop();
  await alongside?.stop();
  exitSoon(EXIT.ok);
  return EXIT.ok;
}

export async function run(options: { agent?: string; session?: string }, ctx: CliContext): Promise<number> {
  const runtime = await runtimeOrReport(ctx, { shellImport: true });
  if (!runtime) return EXIT.failure;
  return runConsole(runtime, options.session ?? "main", options.agent);
}
