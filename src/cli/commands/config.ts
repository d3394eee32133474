// static, not lazy like json-schema: load.ts imports it anyway, and a second entry point would
// split it into a chunk of its own that every command reading the config then loads
import { loadChannelCatalog } from "../../config/channel-catalog.js";
import { ConfigError } from "../../config/errors.js";
import { loadRuntime } from "../../config/runtime.js";
import { EXIT, printJson, type CliContext } from "../context.js";

/**
 * `baton config validate`: exit 0 when the config is valid, 1 with every problem located
 * otherwise. `${VAR}` naming a variable unset here is not a problem of the file: it is listed
 * apart (stderr, `unsetVariables` in JSON) and the rest is validated; `baton gateway` needs it set.
 */
export async function validate(options: { json?: boolean }, ctx: CliContext): Promise<number> {
  try {
    const { loaded, paths } = await loadRuntime({ processEnv: ctx.env, configFlag: ctx.configFlag, unsetVariables: "collect" });
    const notes = loaded.migrations.map((m) => `migrated on load: ${m.description} (run \`baton doctor --fix\` to write it back)`);
    const unset = loaded.unsetVariables ?? [];
    if (options.json) {
      printJson(ctx, { ok: true, path: loaded.path, exists: loaded.exists, migrations: loaded.migrations, problems: [], unsetVariables: unset });
    } else {
      const state = loaded.exists ? "is valid" : "does not exist; the defaults apply";
      ctx.stdout.write(`${loaded.path} ${state}\n${notes.map((n) => `${n}\n`).join("")}`);
      if (unset.length) {
        const where = (u: (typeof unset)[number]) => `${u.line ? `line ${u.line}, ` : ""}${u.keyPath}`;
        ctx.stderr.write(
          `Not set in this environment (set them in the environment or ${paths.envFile} before \`baton gateway\`):\n` +
            unset.map((u) => `  ${u.name}  (${where(u)})\n`).join(""),
        );
      }
    }
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (options.json) printJson(ctx, { ok: false, path: err.file, problems: err.problems });
    else ctx.stderr.write(`${err.message}\n`);
    return EXIT.failure;
  }
}

/** `baton config schema`: the JSON Schema generated from the zod schema and every installed channel plugin's. */
export async function schema(_options: unknown, ctx: CliContext): Promise<number> {
  const { configJsonSchema } = await import("../../config/json-schema.js");
  printJson(ctx, configJsonSchema(await loadChannelCatalog("all")));
  return EXIT.ok;
}
