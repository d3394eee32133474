import { resolveAgentId } from "../../config/agents.js";
import { syncClaudeCredentials, type ClaudeSyncResult } from "../../auth/claude-sync.js";
import { formatDuration } from "../../util/duration.js";
import { buildModelsStatus, rejectionDetail, type ModelsStatusReport } from "../../auth/status.js";
import type { UnusableProfile } from "../../auth/types.js";
import type { ProbeResult } from "./models-probe.js";
import { readAuthStore } from "../../auth/store.js";
import { loadRuntime } from "../../config/runtime.js";
import { withBackendUsage } from "../stored-usage.js";
import { hasBudgets } from "../../usage/budgets.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { createStyle, table, type Style } from "../style.js";

/**
 * `baton models status [--json] [--check] [--probe] [--agent ID]`: effective credentials,
 * profiles, expiry and cooldowns of one agent. Syncs Claude Code credentials first (seed 002).
 * Kept light: no provider SDK or channel library is imported on this path, except with
 * `--probe` (`models-probe.ts`, loaded only then), which sends one tiny request per credential,
 * records the outcomes, then reports the status they leave (exit code as `--check`).
 */

export interface ModelsStatusOptions {
  json?: boolean;
  check?: boolean;
  probe?: boolean;
  agent?: string;
}

export async function run(options: ModelsStatusOptions, ctx: CliContext): Promise<number> {
  const runtime = await loadRuntime({ processEnv: ctx.env, configFlag: ctx.configFlag });
  const agentId = resolveAgentId(runtime.config, options.agent);
  const storePath = runtime.paths.authStorePath(agentId);
  const claudeSync = await syncClaudeCredentials(storePath, runtime.paths.claudeCredentialsPath);
  let store = await withBackendUsage(runtime, agentId, await readAuthStore(storePath));
  let probes: ProbeResult[] | undefined;
  if (options.probe) {
    const { probeProfiles } = await import("./models-probe.js");
    // BATON_PROBE_TIMEOUT_MS: each probe's bound (default 20 s)
    const timeoutMs = Number(ctx.env.BATON_PROBE_TIMEOUT_MS) > 0 ? Number(ctx.env.BATON_PROBE_TIMEOUT_MS) : undefined;
    probes = await probeProfiles({ runtime, agentId, store, timeoutMs });
    store = await withBackendUsage(runtime, agentId, await readAuthStore(storePath));
  }
  // profiles over their budget (this month's recorded spend) show as unusable, kind "budget"
  const extraBlock = hasBudgets(runtime.config)
    ? await import("../../usage/recorder.js").then(async (m) => m.storedBudgetBlock(runtime.config, (await import("../../state/backend.js")).openStateBackend(runtime.config, runtime.paths, runtime.env).usage()))
    : undefined;
  const report = buildModelsStatus({
    agentId,
    configPath: runtime.paths.configPath,
    stateDir: runtime.paths.stateDir,
    storePath,
    config: runtime.config,
    env: runtime.env,
    store,
    now: Date.now(),
    claudeSync,
    extraBlock,
  });
  const style = createStyle(ctx.color);
  if (options.json) printJson(ctx, probes ? { ...report, probes } : report);
  else ctx.stdout.write(renderStatus(report, claudeSync, style, Date.now()) + (probes ? renderProbes(probes, style) : ""));
  return options.check || options.probe ? report.check.exitCode : EXIT.ok;
}

/** One line per probe: `ok 312ms`, `auth 401: invalid x-api-key`, `rate_limit 429: …`, `skipped: expired`. */
export function renderProbes(probes: readonly ProbeResult[], style: Style): string {
  const out = ["", style.bold("Probes")];
  if (!probes.length) out.push(style.dim("  no credential to probe"));
  const rows = probes.map((p) => {
    const result = p.skipped
      ? style.yellow(`skipped: ${p.skipped}`)
      : p.ok
        ? style.green(`ok ${p.latencyMs}ms`)
        : style.red(`${p.failureClass ?? "failed"}${p.error ? ` ${p.error}` : ""}`);
    return [`  ${p.profileId}`, p.model || "-", result];
  });
  if (rows.length) out.push(table(rows));
  return `${out.join("\n")}\n`;
}

export function renderStatus(report: ModelsStatusReport, sync: ClaudeSyncResult, style: Style, now: number): string {
  const out: string[] = [];
  out.push(`${style.bold("Agent")} ${report.agentId}   ${style.dim(`config ${report.configPath}`)}`);
  out.push(`${style.bold("Default model")} ${report.defaultModel}`);
  out.push(`${style.bold("Auth store")} ${report.storePath}`);
  out.push(`${style.bold("Claude Code")} ${describeSync(sync)}`);
  out.push("");

  out.push(style.bold("Providers"));
  const providerRows = report.auth.providers.map((p) => {
    const e = p.effective;
    const effective =
      e.source === "profile"
        ? style.green(`profile ${e.profileId} (${e.type} ${e.secret})`)
        : e.source === "env"
          ? style.green(`env ${e.envVar} (${e.secret})`)
          : e.source === "unavailable"
            ? style.yellow("all profiles unusable now")
            : style.red("missing");
    return [`  ${p.provider}`, effective, p.order.length ? style.dim(`order: ${p.order.join(", ")} (${p.orderSource})`) : ""];
  });
  out.push(table(providerRows));
  for (const p of report.auth.providers) if (p.message && p.inUse) out.push(`  ${style.yellow(p.message)}`);
  out.push("");

  out.push(style.bold("Profiles"));
  if (!report.auth.profiles.length) out.push(style.dim("  none stored for this agent"));
  else {
    const rows = [["  ID", "TYPE", "SECRET", "EXPIRES", "STATUS"].map((h) => style.dim(h))];
    for (const p of report.auth.profiles) {
      const expires = p.expires === null ? "-" : `${new Date(p.expires).toISOString().replace(/\.\d+Z$/, "Z")}${p.refreshable ? " (refreshable)" : ""}`;
      rows.push([`  ${p.id}`, p.type ?? "-", p.secret, expires, colorState(p.state, p.status, style)]);
    }
    out.push(table(rows));
  }

  if (report.auth.unusableProfiles.length) {
    out.push("");
    out.push(style.bold("Unusable now"));
    out.push(
      table(
        report.auth.unusableProfiles.map((u) => [
          `  ${u.profileId}`,
          describeUnusable(u),
          u.until === null ? "needs action" : u.kind === "rejected" ? `retried in ${formatDuration(u.until - now)}` : `frees up in ${formatDuration(u.until - now)}`,
        ]),
      ),
    );
  }
  if (report.check.problems.length) {
    out.push("");
    out.push(`${style.bold("Check")} ${report.check.problems.join("; ")} (--check exits ${report.check.exitCode})`);
  }
  return `${out.join("\n")}\n`;
}

/** `rejected (401: invalid x-api-key)`, `cooldown (rate_limit) on claude-opus-4-5`, `disabled (billing)`, `budget`. */
function describeUnusable(u: UnusableProfile): string {
  if (u.kind === "rejected") return `rejected (${rejectionDetail(u.lastError)})`;
  const why = u.kind === u.reason || u.kind === "expired" || u.kind === "budget" || u.kind === "missing" ? "" : ` (${u.reason})`;
  return `${u.kind}${why}${u.model ? ` on ${u.model}` : ""}`;
}

function describeSync(sync: ClaudeSyncResult): string {
  switch (sync.status) {
    case "absent":
      return "no credentials found";
    case "invalid":
      return `unreadable: ${sync.problem}`;
    case "unchanged":
      return `${sync.profileId} up to date (${sync.type})`;
    case "created":
      return `synced into ${sync.profileId} (${sync.type})`;
    case "updated":
      return `refreshed ${sync.profileId} (${sync.type})`;
  }
}

function colorState(state: string, text: string, style: Style): string {
  if (state === "ok" || state === "static") return style.green(text);
  if (state === "expiring" || state === "cooldown") return style.yellow(text);
  return style.red(text);
}
