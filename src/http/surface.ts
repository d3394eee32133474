import fs from "node:fs";
import type { Gateway } from "../chat/gateway.js";
import { listAgentIds, agentModelChoice } from "../config/agents.js";
import { readAuthStoreCached } from "../auth/store.js";
import type { DescribedProfile } from "../auth/status.js";
import type { Logger } from "../plugin-api.js";
import { hasBudgets, profileBudgetBlock } from "../usage/budgets.js";
import { utcDay } from "../usage/periods.js";
import { describeThrown } from "../util/log.js";
import { formatDuration } from "../util/duration.js";
import { redactSecrets } from "../util/redact.js";
import { Activity, type UsageTotals } from "./activity.js";
import { providerStandings, type AgentAuth, type ProviderStanding } from "./agent-auth.js";
import { GatewayMetrics } from "./metrics.js";
import { profileGauges, type ProfileGauge } from "./profile-gauges.js";
import { readinessReport, type AgentStandings } from "./readiness.js";
import { createRoutes } from "./routes.js";
import { startHttpServer, type HttpLimits } from "./server.js";
import { renderStatusPage, type CooldownRow, type ProfileRow, type StatusView } from "./status-page.js";

/**
 * The gateway's HTTP surface (DESIGN.md §10): one server with `/healthz`, `/readyz`, `/metrics`
 * and the status page, fed by a running {@link Gateway}. Everything it shows is read when asked
 * (cached store reads) or kept from the agent events; it never writes state.
 */

export interface HttpSurfaceOptions {
  gateway: Gateway;
  host: string;
  port: number;
  /** `gateway.http.token`: the status page exists only with one. */
  token?: string;
  log: Logger;
  /** prom-client's process metrics (default true). */
  processMetrics?: boolean;
  limits?: Partial<HttpLimits>;
  now?: () => number;
}

export interface HttpSurface {
  url: string;
  port: number;
  metrics: GatewayMetrics;
  stop(): Promise<void>;
}

const RECENT_SESSIONS = 10;
const SOON_EXPIRING_MS = 24 * 3_600_000;

export async function startHttpSurface(options: HttpSurfaceOptions): Promise<HttpSurface> {
  const { gateway, log } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const { runtime } = gateway.agents;
  const metrics = new GatewayMetrics({ pricing: runtime.config, processMetrics: options.processMetrics });
  const activity = new Activity(runtime.config);
  // a profile over its budget is unusable here as it is for the resolver
  const budgetBlock = hasBudgets(runtime.config) ? profileBudgetBlock(runtime.config, gateway.agents.usage, now) : undefined;
  const stops = [metrics.observe(gateway.agents.events), activity.observe(gateway.agents.events), gateway.onMessage((channel, direction) => metrics.countMessage(channel, direction))];

  async function agentAuth(agentId: string): Promise<AgentAuth> {
    const [store, usageStats] = await Promise.all([readAuthStoreCached(runtime.paths.authStorePath(agentId)), gateway.agents.state.authUsage(agentId).snapshot()]);
    return { agentId, store: { ...store, usageStats: { ...usageStats } } };
  }

  /** Every agent's auth and standings now; an agent whose store cannot be read carries the error. */
  async function standings(at: number): Promise<{ auth?: AgentAuth; standings: AgentStandings }[]> {
    return Promise.all(
      listAgentIds(runtime.config).map(async (agentId) => {
        try {
          const auth = await agentAuth(agentId);
          return { auth, standings: { agentId, providers: providerStandings(auth, { config: runtime.config, env: runtime.env, now: at, extraBlock: budgetBlock }) } };
        } catch (err) {
          return { standings: { agentId, error: describeThrown(err) } };
        }
      }),
    );
  }

  metrics.setSources({
    channels: () => gateway.channelStatus(),
    async profiles(): Promise<ProfileGauge[]> {
      const at = now();
      const agents = await standings(at);
      return agents.flatMap(({ auth, standings: s }) => {
        if (!auth || "error" in s) {
          log.warn("metrics: an agent's credentials could not be read", { agent: s.agentId, error: "error" in s ? s.error : undefined });
          return [];
        }
        return profileGauges(s.agentId, s.providers, auth.store, at);
      });
    },
  });

  async function statusView(): Promise<StatusView> {
    const at = now();
    const agents = await standings(at);
    const report = readinessReport(gateway.channelStatus(), agents.map((a) => a.standings), at);
    const profiles: ProfileRow[] = [];
    const cooldowns: CooldownRow[] = [];
    for (const { auth, standings: s } of agents) {
      if (!auth || "error" in s) continue;
      for (const row of profileRows(s.agentId, s.providers, auth, at)) {
        profiles.push(row.profile);
        if (row.cooldown) cooldowns.push(row.cooldown);
      }
    }
    const counts = activity.counts();
    return {
      now: at,
      startedAt,
      ready: report.status === "ready",
      channels: report.channels,
      providers: report.providers,
      agents: await Promise.all(
        agents.map(async ({ standings: s }) => {
          const choice = agentModelChoice(runtime.config, s.agentId);
          return { id: s.agentId, primary: choice.primary, fallbacks: choice.fallbacks, storedSessions: await storedSessions(s.agentId), ...("error" in s ? { error: s.error } : {}) };
        }),
      ),
      profiles,
      cooldowns,
      sessions: { sinceStart: counts.sessions, turns: counts.turns, recent: activity.recentSessions(RECENT_SESSIONS) },
      failovers: activity.recentFailovers(),
      usage: { sinceStart: activity.usageSinceStart(), today: await usageToday(at) },
    };
  }

  /** Sessions stored for the agent, where the backend can count them cheaply (the file backend: one directory listing). */
  async function storedSessions(agentId: string): Promise<number | null> {
    if (runtime.config.state.backend !== "file") return null;
    try {
      return (await fs.promises.readdir(runtime.paths.sessionsDir(agentId))).filter((name) => name.endsWith(".json")).length;
    } catch (err) {
      return (err as NodeJS.ErrnoException)?.code === "ENOENT" ? 0 : null;
    }
  }

  /** Today's totals (UTC) from the usage store, per agent and model; undefined when it cannot be read. */
  async function usageToday(at: number): Promise<UsageTotals[] | undefined> {
    try {
      const day = utcDay(at);
      const { rows } = await gateway.agents.state.usage().query({ from: day, to: day });
      const totals = new Map<string, UsageTotals & { unpriced: number }>();
      for (const row of rows) {
        const key = `${row.agentId}\u0000${row.model}`;
        const total = totals.get(key) ?? { agent: row.agentId, model: row.model, turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, unpriced: 0 };
        total.turns += row.turns;
        total.inputTokens += row.inputTokens;
        total.outputTokens += row.outputTokens;
        total.cacheReadTokens += row.cacheReadTokens;
        total.cacheWriteTokens += row.cacheWriteTokens;
        total.costUsd = (total.costUsd ?? 0) + row.costUsd;
        total.unpriced += row.unpricedTurns;
        totals.set(key, total);
      }
      return [...totals.values()].map(({ unpriced, costUsd, ...t }) => ({ ...t, ...(unpriced && !costUsd ? {} : { costUsd }) }));
    } catch (err) {
      log.warn("status page: usage store unreadable", { error: describeThrown(err) });
      return undefined;
    }
  }

  const handler = createRoutes({
    token: options.token,
    readiness: async () => {
      const at = now();
      return readinessReport(gateway.channelStatus(), (await standings(at)).map((a) => a.standings), at);
    },
    metrics: () => metrics.render(),
    statusPage: async () => renderStatusPage(await statusView()),
  });

  let server;
  try {
    server = await startHttpServer({ host: options.host, port: options.port, handler, log, limits: options.limits });
  } catch (err) {
    for (const stop of stops) stop();
    throw err;
  }
  const running = server;
  return {
    url: running.url,
    port: running.port,
    metrics,
    async stop() {
      for (const stop of stops) stop();
      await running.stop();
    },
  };
}

/** The page's row of each profile, and its cooldown row while it is blocked. */
function profileRows(agent: string, providers: ProviderStanding[], auth: AgentAuth, now: number): { profile: ProfileRow; cooldown?: CooldownRow }[] {
  const seen = new Set<string>();
  const rows: { profile: ProfileRow; cooldown?: CooldownRow }[] = [];
  for (const { provider, standing } of providers) {
    for (const p of [...standing.profiles, ...standing.outsideOrder]) {
      if (seen.has(p.profileId)) continue;
      seen.add(p.profileId);
      const stored = auth.store.profiles[p.profileId];
      const expires = stored && stored.type !== "api_key" ? stored.expires : undefined;
      rows.push({
        profile: { agent, id: p.profileId, provider, type: p.type, secret: p.secret, status: describeStatus(p, expires, now), usable: p.usable },
        ...(p.usable
          ? {}
          : {
              cooldown: {
                agent,
                profileId: p.profileId,
                kind: p.kind ?? "cooldown",
                reason: p.reason ?? "cooldown",
                ...(p.model ? { model: p.model } : {}),
                remainingMs: p.remainingMs,
                ...(p.lastError ? { lastError: redactSecrets(p.lastError) } : {}),
              },
            }),
      });
    }
  }
  return rows;
}

function describeStatus(p: DescribedProfile, expires: number | undefined, now: number): string {
  if (!p.usable) {
    const kind = p.kind ?? "cooldown";
    const why = p.reason && p.reason !== kind ? ` (${p.reason})` : "";
    const left = p.remainingMs === null ? "" : ` ${formatDuration(p.remainingMs)}`;
    return `${kind}${why}${left}${p.model ? ` on ${p.model}` : ""}`;
  }
  if (p.kind === "rejected") return "usable (rejected last time)";
  if (typeof expires === "number" && expires - now <= SOON_EXPIRING_MS) return `expiring in ${formatDuration(expires - now)}`;
  return "usable";
}
