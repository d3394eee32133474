import { ConfigError } from "../../config/errors.js";
import { loadRuntime, type Runtime, type RuntimeOptions } from "../../config/runtime.js";
import type { CliContext } from "../context.js";

/** Loads the runtime for a command; a broken config prints its located problems and yields undefined. */
export async function runtimeOrReport(ctx: CliContext, options: Omit<RuntimeOptions, "processEnv" | "configFlag"> = {}): Promise<Runtime | undefined> {
  try {
    return await loadRuntime({ ...options, processEnv: ctx.env, configFlag: ctx.configFlag });
  } catch (err) {
    if (err instanceof ConfigError) {
      ctx.stderr.write(`${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}
