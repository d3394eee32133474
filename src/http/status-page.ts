import { formatDuration } from "../util/duration.js";
import type { FailoverRecord, SessionActivity, UsageTotals } from "./activity.js";
import { escapeHtml as e } from "./html.js";
import type { ChannelReadiness, ProviderReadiness } from "./readiness.js";

/**
 * The status page: server-rendered HTML, no script, readable on a phone, refreshing itself every
 * 10 s. Every value is escaped; the view never holds a whole secret (profiles carry masked ones).
 * Pure: `renderStatusPage(view)` is a function of the view.
 */

export interface ProfileRow {
  agent: string;
  id: string;
  provider: string;
  type: string;
  /** Masked. */
  secret: string;
  /** `ok`, `static`, `cooldown 42s`, `expiring in 3h`, ... */
  status: string;
  usable: boolean;
}

export interface CooldownRow {
  agent: string;
  profileId: string;
  /** cooldown, disabled, expired, rejected, budget, missing */
  kind: string;
  /** The failure class behind it. */
  reason: string;
  /** The provider's last error, short and masked. */
  lastError?: string;
  model?: string;
  remainingMs: number | null;
}

export interface AgentRow {
  id: string;
  primary: string;
  fallbacks: string[];
  /** Sessions in the state backend; null when the backend cannot count them. */
  storedSessions: number | null;
  /** Why its credentials could not be read. */
  error?: string;
}

export interface StatusView {
  now: number;
  startedAt: number;
  ready: boolean;
  channels: ChannelReadiness[];
  providers: ProviderReadiness[];
  agents: AgentRow[];
  profiles: ProfileRow[];
  cooldowns: CooldownRow[];
  sessions: { sinceStart: number; turns: number; recent: SessionActivity[] };
  failovers: FailoverRecord[];
  usage: {
    sinceStart: UsageTotals[];
    /** Today's totals from the usage store; absent when there is none. */
    today?: UsageTotals[];
  };
}

export const REFRESH_SECONDS = 10;

const STYLE = `
:root{color-scheme:light dark;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--line:#d0d7de}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:12px;max-width:1100px}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .4em}h3{font-size:.95em;margin:.8em 0 .3em}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}
td{overflow-wrap:break-word;word-break:normal}
td code{overflow-wrap:anywhere}
code{font-size:.95em}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}.muted{opacity:.7}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;border:1px solid currentColor;font-weight:600}
`;

export function renderStatusPage(view: StatusView): string {
  const ago = (at: number) => `<span title="${e(iso(at))}">${e(formatDuration(view.now - at))} ago</span>`;
  const sections = [
    section("Channels", channelsTable(view.channels)),
    section("Providers", providersTable(view.providers)),
    section("Agents", agentsTable(view.agents)),
    section("Profiles", profilesTable(view.profiles), "profiles"),
    section("Cooldowns and blocks", cooldownsTable(view.cooldowns)),
    section("Sessions", sessionsBlock(view.sessions, ago)),
    section("Recent failovers", failoversTable(view.failovers, ago)),
    section("Usage", usageBlock(view.usage)),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="referrer" content="no-referrer">
<title>Baton status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Baton <span class="badge ${view.ready ? "ok" : "bad"}" id="readiness">${view.ready ? "ready" : "not ready"}</span></h1>
<p class="muted">Up ${e(formatDuration(view.now - view.startedAt))} · ${e(iso(view.now))} · refreshes every ${REFRESH_SECONDS} s</p>
${sections.join("\n")}
</body>
</html>
`;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z") : "";
}

function section(title: string, body: string, id?: string): string {
  return `<section${id ? ` id="${e(id)}"` : ""}><h2>${e(title)}</h2>\n${body}</section>`;
}

function table(headers: string[], rows: string[][], empty: string, id?: string): string {
  if (!rows.length) return `<p class="muted">${e(empty)}</p>`;
  const head = headers.map((h) => `<th>${e(h)}</th>`).join("");
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<div class="wrap"><table${id ? ` id="${e(id)}"` : ""}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const state = (text: string, good: boolean, warn = false) => `<span class="${good ? "ok" : warn ? "warn" : "bad"}">${e(text)}</span>`;

function channelsTable(channels: ChannelReadiness[]): string {
  const rows = channels.map((c) => [
    `<code>${e(c.channel)}</code>`,
    state(c.state, c.ready, c.state === "starting"),
    e(formatDuration(c.sinceSeconds * 1000)),
    e(c.failures),
    e(c.lastError ?? ""),
  ]);
  return table(["channel", "state", "for", "failures", "last error"], rows, "No channel runs.");
}

function providersTable(providers: ProviderReadiness[]): string {
  const rows = providers.map((p) => [
    e(p.agent),
    `<code>${e(p.provider)}</code>`,
    state(p.state, p.ready),
    p.profile ? `<code>${e(p.profile)}</code>` : "",
    e(p.reason ?? ""),
  ]);
  return table(["agent", "provider", "state", "next profile", "problem"], rows, "No provider in use.");
}

function agentsTable(agents: AgentRow[]): string {
  const rows = agents.map((a) => [
    `<code>${e(a.id)}</code>`,
    `<code>${e(a.primary)}</code>`,
    a.fallbacks.map((f) => `<code>${e(f)}</code>`).join(", "),
    e(a.storedSessions ?? "–"),
    a.error ? state(a.error, false) : "",
  ]);
  return table(["agent", "model", "fallbacks", "sessions", "problem"], rows, "No agent.");
}

function profilesTable(profiles: ProfileRow[]): string {
  const rows = profiles.map((p) => [
    e(p.agent),
    `<code>${e(p.id)}</code>`,
    e(p.type),
    `<code>${e(p.secret)}</code>`,
    state(p.status, p.usable, /^(expiring|cooldown)/.test(p.status)),
  ]);
  return table(["agent", "profile", "kind", "secret", "status"], rows, "No profile stored.", "profiles-table");
}

function cooldownsTable(cooldowns: CooldownRow[]): string {
  const rows = cooldowns.map((c) => [
    e(c.agent),
    `<code>${e(c.profileId)}</code>`,
    e(c.kind),
    e(c.reason),
    c.model ? `<code>${e(c.model)}</code>` : "all models",
    c.remainingMs === null ? "until fixed" : e(formatDuration(c.remainingMs)),
    e(c.lastError ?? ""),
  ]);
  return table(["agent", "profile", "kind", "reason", "model", "time left", "last error"], rows, "No profile is blocked.");
}

function sessionsBlock(sessions: StatusView["sessions"], ago: (at: number) => string): string {
  const rows = sessions.recent.map((s) => [e(s.agent), `<code>${e(s.sessionKey)}</code>`, e(s.sender ?? ""), `<code>${e(s.model)}</code>`, state(s.outcome, s.outcome === "ok", s.outcome === "aborted"), ago(s.at)]);
  return `<p>${e(sessions.sinceStart)} sessions with turns since start (${e(sessions.turns)} turns).</p>\n${table(["agent", "session", "sender", "model", "last turn", "when"], rows, "No turn since start.")}`;
}

function failoversTable(failovers: FailoverRecord[], ago: (at: number) => string): string {
  const rows = failovers.map((f) => [ago(f.at), e(f.agent), `<code>${e(f.fromProfile)}</code> → <code>${e(f.toProfile)}</code>`, `<code>${e(f.model)}</code>`]);
  return table(["when", "agent", "from → to", "model"], rows, "No failover since start.");
}

function usageTable(rows: UsageTotals[]): string {
  const fmt = (n: number) => e(Math.round(n).toLocaleString("en-US"));
  return table(
    ["agent", "model", "turns", "input", "output", "cache read", "cache write", "cost"],
    rows.map((u) => [
      e(u.agent),
      `<code>${e(u.model)}</code>`,
      fmt(u.turns),
      fmt(u.inputTokens),
      fmt(u.outputTokens),
      fmt(u.cacheReadTokens),
      fmt(u.cacheWriteTokens),
      u.costUsd === undefined ? "unknown" : e(`$${u.costUsd.toFixed(4)}`),
    ]),
    "No usage yet.",
  );
}

function usageBlock(usage: StatusView["usage"]): string {
  const today = usage.today ? `<h3>Today (UTC)</h3>\n${usageTable(usage.today)}\n` : "";
  return `${today}<h3>Since start</h3>\n${usageTable(usage.sinceStart)}`;
}
