import type { ChannelStatus } from "../chat/channel-supervisor.js";
import { redactSecrets } from "../util/redact.js";
import type { ProviderStanding } from "./agent-auth.js";

/**
 * `/readyz`: ready when every enabled channel is up and every provider an agent uses has a
 * credential it can use now. Pure.
 */

/** Connected, or standing by while another gateway on the same state backend holds the connection. */
const READY_CHANNEL_STATES: ReadonlySet<string> = new Set(["up", "standby"]);

export interface ChannelReadiness {
  channel: string;
  /** `up`, `starting`, `retrying`, `standby`, `stopped`. */
  state: ChannelStatus["state"];
  ready: boolean;
  /** Seconds in this state. */
  sinceSeconds: number;
  failures: number;
  lastError?: string;
}

export interface ProviderReadiness {
  agent: string;
  provider: string;
  /** `usable`: a profile or the environment credential can be used now; `unusable`: all are blocked; `missing`: none at all; `error`: the auth store cannot be read. */
  state: "usable" | "unusable" | "missing" | "error";
  ready: boolean;
  /** The profile the next request would use (`env:<VAR>` for the environment credential). */
  profile?: string;
  /** Why not, when not ready (never a secret). */
  reason?: string;
  /** Blocked profiles, soonest free first: `kind` (cooldown, disabled, expired, rejected, budget, missing) and `reason` (the failure class). */
  unusable?: { profile: string; kind: string; reason: string; remainingSeconds: number | null; model?: string }[];
}

export interface ReadinessReport {
  status: "ready" | "not_ready";
  channels: ChannelReadiness[];
  providers: ProviderReadiness[];
}

/** An agent's standings, or why they could not be read. */
export type AgentStandings = { agentId: string; providers: ProviderStanding[] } | { agentId: string; error: string };

export function readinessReport(channels: ChannelStatus[], agents: AgentStandings[], now: number): ReadinessReport {
  const channelRows = channels.map((c): ChannelReadiness => ({
    channel: c.channel,
    state: c.state,
    ready: READY_CHANNEL_STATES.has(c.state),
    sinceSeconds: Math.max(0, Math.round((now - c.since) / 1000)),
    failures: c.failures,
    ...(c.lastError ? { lastError: redactSecrets(c.lastError).slice(0, 300) } : {}),
  }));
  const providerRows = agents.flatMap((agent): ProviderReadiness[] => {
    if ("error" in agent) return [{ agent: agent.agentId, provider: "*", state: "error", ready: false, reason: redactSecrets(agent.error).slice(0, 300) }];
    return agent.providers.filter((p) => p.modelInUse).map((p) => providerRow(agent.agentId, p));
  });
  const ready = channelRows.every((c) => c.ready) && providerRows.every((p) => p.ready);
  return { status: ready ? "ready" : "not_ready", channels: channelRows, providers: providerRows };
}

function providerRow(agent: string, { provider, standing }: ProviderStanding): ProviderReadiness {
  const blocked = standing.profiles
    .filter((p) => !p.usable)
    .map((p) => ({
      profile: p.profileId,
      kind: p.kind ?? "cooldown",
      reason: p.reason ?? "cooldown",
      remainingSeconds: p.remainingMs === null ? null : Math.ceil(p.remainingMs / 1000),
      ...(p.model ? { model: p.model } : {}),
    }));
  const unusable = blocked.length ? { unusable: blocked } : {};
  if (standing.next) return { agent, provider, state: "usable", ready: true, profile: standing.next, ...unusable };
  if (standing.source === "missing") return { agent, provider, state: "missing", ready: false, reason: "no credential", ...unusable };
  return { agent, provider, state: "unusable", ready: false, reason: "every credential is blocked", ...unusable };
}
