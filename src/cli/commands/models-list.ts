import { agentSettings } from "../../agents/agents.js";
import { resolveAgentId } from "../../config/agents.js";
import { allowedModels } from "../../agents/model-choice.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { table } from "../style.js";
import { runtimeOrReport } from "./load-runtime.js";

/** `baton models list`: the models /model offers (the allowlist when configured, else the catalog). */
export async function run(options: { json?: boolean; agent?: string }, ctx: CliContext): Promise<number> {
  const runtime = await runtimeOrReport(ctx);
  if (!runtime) return EXIT.failure;
  const agentId = resolveAgentId(runtime.config, options.agent);
  const settings = agentSettings(runtime.config, agentId);
  const models = allowedModels(settings.models).map((m) => ({
    ref: m.ref,
    alias: m.alias ?? null,
    default: m.ref === settings.primary,
    fallback: settings.fallbacks.includes(m.ref),
    cacheControlTtl: settings.models[m.ref]?.params?.cacheControlTtl ?? null,
  }));
  const allowlist = Object.keys(settings.models).length > 0;
  if (options.json) {
    printJson(ctx, { agentId, allowlist, default: settings.primary, fallbacks: settings.fallbacks, models });
    return EXIT.ok;
  }
  const rows = [["MODEL", "ALIAS", "NOTES"], ...models.map((m) => [m.ref, m.alias ?? "", [m.default ? "default" : "", m.fallback ? "fallback" : "", m.cacheControlTtl ? `cache ${m.cacheControlTtl}` : ""].filter(Boolean).join(", ")])];
  ctx.stdout.write(`${table(rows)}\n${allowlist ? "(agents.defaults.models is the allowlist)" : "(built-in catalog; set agents.defaults.models to restrict)"}\n`);
  return EXIT.ok;
}
