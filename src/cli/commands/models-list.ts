import { agentSettings } from "../../agents/agents.js";
import { resolveAgentId } from "../../config/agents.js";
import { allowedModels } from "../../agents/model-choice.js";
import { loadCatalog, type LoadedCatalog } from "../../agents/model-catalog-cache.js";
import { lifecycleMark, mergeCatalog } from "../../agents/model-catalog.js";
import { modelFetcherFor, providersInUse } from "../../agents/model-fetchers.js";
import { AgentRuntime } from "../../agents/runtime.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { table } from "../style.js";
import { runtimeOrReport } from "./load-runtime.js";

/**
 * `baton models list [--refresh]`: the models /model offers (the allowlist when configured, else
 * the catalog: built-in entries plus the provider's `GET /v1/models`, cached 24 h), each with its
 * end of life. A fresh cache means no network; an unreachable provider is reported on stderr and
 * the cached or built-in list is shown.
 */
export async function run(options: { json?: boolean; agent?: string; refresh?: boolean }, ctx: CliContext): Promise<number> {
  const runtime = await runtimeOrReport(ctx);
  if (!runtime) return EXIT.failure;
  const agentId = resolveAgentId(runtime.config, options.agent);
  const settings = agentSettings(runtime.config, agentId);
  const agents = new AgentRuntime(runtime);
  const catalogs: LoadedCatalog[] = [];
  for (const provider of providersInUse(agents, agentId)) {
    const fetcher = modelFetcherFor(agents, agentId, provider);
    if (!fetcher) continue;
    catalogs.push(await loadCatalog({ provider, stateDir: runtime.paths.stateDir, refresh: options.refresh, fetcher }));
  }
  const now = Date.now();
  const catalog = mergeCatalog(catalogs, now);
  const models = allowedModels(settings.models, catalog, now, [settings.primary, ...settings.fallbacks]).map((m) => {
    const entry = catalog.find((e) => e.ref === m.ref);
    return {
      ref: m.ref,
      alias: m.alias ?? null,
      name: entry?.name ?? null,
      default: m.ref === settings.primary,
      fallback: settings.fallbacks.includes(m.ref),
      endOfLife: m.endOfLife ?? null,
      retired: Boolean(m.retired),
      listed: entry?.listed ?? false,
      cacheControlTtl: settings.models[m.ref]?.params?.cacheControlTtl ?? null,
    };
  });
  const allowlist = Object.keys(settings.models).length > 0;
  const problems = catalogs.flatMap((c) => (c.problem ? [c.problem] : []));
  for (const problem of problems) ctx.stderr.write(`${problem}\n`);
  const sources = catalogs.map((c) => ({ provider: c.provider, source: c.source, fetchedAt: c.fetchedAt === null ? null : new Date(c.fetchedAt).toISOString(), stale: c.stale, problem: c.problem ?? null }));
  if (options.json) {
    printJson(ctx, { agentId, allowlist, default: settings.primary, fallbacks: settings.fallbacks, catalogs: sources, models });
    return EXIT.ok;
  }
  const rows = [
    ["MODEL", "ALIAS", "NOTES"],
    ...models.map((m) => [
      m.ref,
      m.alias ?? "",
      [lifecycleMark({ endOfLife: m.endOfLife ?? undefined, retired: m.retired }), m.default ? "default" : "", m.fallback ? "fallback" : "", m.cacheControlTtl ? `cache ${m.cacheControlTtl}` : ""]
        .filter(Boolean)
        .join(", "),
    ]),
  ];
  const origin = catalogs.map((c) =>
    c.source === "live" ? `${c.provider}: fetched now` : c.source === "cache" ? `${c.provider}: cached ${new Date(c.fetchedAt!).toISOString()}${c.stale ? " (stale)" : ""}` : `${c.provider}: built-in only`,
  );
  const footer = allowlist ? "(agents.defaults.models is the allowlist)" : `(built-in catalog${origin.length ? ` + provider lists — ${origin.join("; ")}` : ""}; set agents.defaults.models to restrict; --refresh refetches)`;
  ctx.stdout.write(`${table(rows)}\n${footer}\n`);
  return EXIT.ok;
}
