import fs from "node:fs";
import path from "node:path";
import { defaultModelRef, listAgentIds, resolveAgentId, splitModelRef } from "../../config/agents.js";
import { syncClaudeCredentials } from "../../auth/claude-sync.js";
import { isClaudeCodeOnlyCredentialError } from "../../auth/classify.js";
import { formatDuration } from "../../util/duration.js";
import { CLAUDE_CODE_ONLY_ADVICE, expiredTokenMessage, rejectedCredentialAdvice } from "../../auth/messages.js";
import { buildModelsStatus, rejectionDetail } from "../../auth/status.js";
import { AuthStoreError, readAuthStore, type StoredUsageStats } from "../../auth/store.js";
import { openStateBackend, type StateBackend } from "../../state/backend.js";
import { StateUnavailableError } from "../../state/unavailable.js";
import { withBackendUsage } from "../stored-usage.js";
import { ConfigError } from "../../config/errors.js";
import { applyMigrations } from "../../config/migrate.js";
import { resolvePaths, type BatonPaths } from "../../config/paths.js";
import { loadRuntime } from "../../config/runtime.js";
import { BatonConfig } from "../../config/schema.js";
import { updateConfigFile } from "../../config/write.js";
import { providerEntry, providerIds } from "../../providers/registry.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { createStyle } from "../style.js";
import { openAccessWarnings, openChannels, privilegedCommandsOpen } from "../../chat/access.js";
import { livePending } from "../../pairing/requests.js";
import { pairingChannels, pairingDir, pairingFile, PairingStoreError, readPairing } from "../../pairing/store.js";

/**
 * `baton doctor [--fix] [--json]`: config validity and pending migrations, file and directory
 * modes, Claude Code sync, expiring/expired credentials, credentials the provider rejected,
 * cooldowns, agents without credentials.
 * Exits 1 while a problem remains; `--fix` writes migrations back and repairs modes.
 */

export interface DoctorOptions {
  fix?: boolean;
  json?: boolean;
}

export interface Finding {
  check: "config" | "migration" | "permissions" | "claude-code" | "access" | "pairing" | "store" | "credentials" | "cooldown" | "models";
  level: "ok" | "info" | "warn" | "error";
  message: string;
  /** Counts toward the exit code unless fixed. */
  problem: boolean;
  /** What `--fix` would do (or did). */
  fix?: string;
  fixed?: boolean;
  agentId?: string;
  path?: string;
}

export async function run(options: DoctorOptions, ctx: CliContext): Promise<number> {
  const findings: Finding[] = [];
  const fix = !!options.fix;

  const { paths, config, env } = await checkConfig(ctx, fix, findings);
  checkPermissions(paths, fix, findings);
  await checkClaudeCode(paths, config, findings);
  checkChannelAccess(config, findings);
  await checkPairing(paths, config.state.backend === "file" ? undefined : openStateBackend(config, paths, env), findings);
  const configured = listAgentIds(config);
  for (const agentId of configured) await checkAgent(agentId, paths, config, env, findings);
  await checkModelLifecycle(paths, config, findings);
  // agents no longer configured: only make sure their stores are not corrupt
  for (const agentId of agentDirsOnDisk(paths).filter((id) => !configured.includes(id))) await readStoreOrReport(agentId, paths, findings);

  const ok = !findings.some((f) => f.problem && !f.fixed);
  if (options.json) printJson(ctx, { ok, fix, findings });
  else ctx.stdout.write(render(findings, ok, fix, createStyle(ctx.color)));
  return ok ? EXIT.ok : EXIT.failure;
}

async function checkConfig(ctx: CliContext, fix: boolean, findings: Finding[]) {
  try {
    const runtime = await loadRuntime({ processEnv: ctx.env, configFlag: ctx.configFlag });
    const { loaded } = runtime;
    findings.push({
      check: "config",
      level: "ok",
      problem: false,
      path: loaded.path,
      message: loaded.exists ? `config ${loaded.path} is valid` : `no config at ${loaded.path}; the defaults apply`,
    });
    for (const migration of loaded.migrations) {
      const finding: Finding = {
        check: "migration",
        level: "warn",
        problem: true,
        path: loaded.path,
        message: `pending config migration: ${migration.description}`,
        fix: "write the migrated config back (previous file kept as .bak)",
      };
      if (fix) {
        await updateConfigFile(loaded.path, (raw) => void applyMigrations(raw));
        finding.fixed = true;
      }
      findings.push(finding);
    }
    return { paths: runtime.paths, config: runtime.config, env: runtime.env };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    findings.push({ check: "config", level: "error", problem: true, path: err.file, message: err.message });
    return { paths: resolvePaths(ctx.env, ctx.configFlag), config: BatonConfig.parse({}), env: { ...ctx.env } };
  }
}

/** Files that hold secrets must be 0600 (no group/other access), their directories 0700. */
function checkPermissions(paths: BatonPaths, fix: boolean, findings: Finding[]): void {
  const targets: { file: string; dir: boolean }[] = [
    { file: paths.stateDir, dir: true },
    { file: path.join(paths.stateDir, "agents"), dir: true },
    { file: paths.envFile, dir: false },
  ];
  if (isInside(paths.configPath, paths.stateDir)) targets.push({ file: paths.configPath, dir: false });
  for (const agentId of agentDirsOnDisk(paths)) {
    targets.push({ file: path.dirname(paths.agentDir(agentId)), dir: true });
    targets.push({ file: paths.agentDir(agentId), dir: true });
    targets.push({ file: paths.authStorePath(agentId), dir: false });
  }
  targets.push({ file: pairingDir(paths.stateDir), dir: true });
  for (const channel of pairingChannels(paths.stateDir)) targets.push({ file: pairingFile(paths.stateDir, channel), dir: false });
  let checked = 0;
  for (const { file, dir } of targets) {
    let mode: number;
    try {
      mode = fs.statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    checked++;
    if ((mode & 0o077) === 0) continue;
    const wanted = dir ? 0o700 : 0o600;
    const finding: Finding = {
      check: "permissions",
      level: "error",
      problem: true,
      path: file,
      message: `${file} is mode ${octal(mode)}; it should be ${octal(wanted)} (it ${dir ? "holds credential files" : "may hold secrets"})`,
      fix: `chmod ${octal(wanted)} ${file}`,
    };
    if (fix) {
      fs.chmodSync(file, wanted);
      finding.fixed = true;
    }
    findings.push(finding);
  }
  if (checked && !findings.some((f) => f.check === "permissions")) {
    findings.push({ check: "permissions", level: "ok", problem: false, message: `modes of ${checked} files and directories under ${paths.stateDir} are private` });
  }
}

async function checkClaudeCode(paths: BatonPaths, config: BatonConfig, findings: Finding[]): Promise<void> {
  const agentId = resolveAgentId(config);
  try {
    const result = await syncClaudeCredentials(paths.authStorePath(agentId), paths.claudeCredentialsPath);
    const messages = {
      absent: `no Claude Code credentials at ${paths.claudeCredentialsPath} (only needed to reuse a Claude subscription)`,
      invalid: `Claude Code credentials unusable: ${result.problem}`,
      unchanged: `${result.profileId} of agent ${agentId} is in sync with Claude Code (${result.type})`,
      created: `synced Claude Code credentials into ${result.profileId} of agent ${agentId} (${result.type})`,
      updated: `refreshed ${result.profileId} of agent ${agentId} from Claude Code (${result.type})`,
    } as const;
    findings.push({
      check: "claude-code",
      level: result.status === "invalid" ? "warn" : result.status === "absent" ? "info" : "ok",
      problem: false,
      agentId,
      path: paths.claudeCredentialsPath,
      message: messages[result.status],
    });
  } catch (err) {
    if (!(err instanceof AuthStoreError)) throw err;
    // reported by the agent's store check
  }
}

async function readStoreOrReport(agentId: string, paths: BatonPaths, findings: Finding[]) {
  const storePath = paths.authStorePath(agentId);
  try {
    return await readAuthStore(storePath);
  } catch (err) {
    if (!(err instanceof AuthStoreError)) throw err;
    findings.push({ check: "store", level: "error", problem: true, agentId, path: storePath, message: err.message });
    return undefined;
  }
}

async function checkAgent(agentId: string, paths: BatonPaths, config: BatonConfig, env: Record<string, string | undefined>, findings: Finding[]): Promise<void> {
  const storePath = paths.authStorePath(agentId);
  const stored = await readStoreOrReport(agentId, paths, findings);
  if (!stored) return;
  let store = stored;
  try {
    store = await withBackendUsage({ config, paths, env }, agentId, stored);
  } catch (err) {
    if (!(err instanceof StateUnavailableError)) throw err;
    findings.push({ check: "cooldown", level: "error", problem: true, agentId, message: `agent ${agentId}: cannot read cooldowns from the state backend (${err.message})` });
  }
  const now = Date.now();
  const report = buildModelsStatus({ agentId, configPath: paths.configPath, stateDir: paths.stateDir, storePath, config, env, store, now });
  const before = findings.length;
  for (const provider of report.auth.providers) {
    if (!provider.inUse) continue;
    if (provider.effective.source === "missing") {
      findings.push({ check: "credentials", level: "error", problem: true, agentId, message: `agent ${agentId}: ${provider.message}` });
    } else if (provider.effective.source === "unavailable") {
      findings.push({ check: "cooldown", level: "warn", problem: false, agentId, message: `agent ${agentId}: ${provider.message}` });
    }
  }
  for (const profile of report.auth.profiles) {
    if (profile.expiry === "expired") {
      findings.push({ check: "credentials", level: "error", problem: true, agentId, message: `agent ${agentId}: ${expiredTokenMessage(profile.id)}` });
    } else if (profile.expiry === "expiring" && profile.expires !== null) {
      findings.push({
        check: "credentials",
        level: "warn",
        problem: false,
        agentId,
        message: `agent ${agentId}: ${profile.id} expires in ${formatDuration(profile.expires - now)}${profile.id.startsWith("anthropic:") ? "; re-run `claude setup-token` and paste the new token" : ""}`,
      });
    }
    const lastFailure = (store.usageStats[profile.id] as StoredUsageStats | undefined)?.lastFailure;
    const claudeCodeOnly = !!lastFailure && isClaudeCodeOnlyCredentialError(lastFailure.message);
    if (profile.state === "rejected" && profile.type) {
      const advice = claudeCodeOnly ? CLAUDE_CODE_ONLY_ADVICE : rejectedCredentialAdvice({ profileId: profile.id, provider: profile.provider, type: profile.type });
      findings.push({
        check: "credentials",
        level: "error",
        problem: true,
        agentId,
        message: `agent ${agentId}: ${profile.id} was rejected by the provider (${rejectionDetail(lastFailure?.message)}) and has not worked since. ${advice}`,
      });
    } else if (claudeCodeOnly) {
      findings.push({ check: "credentials", level: "warn", problem: false, agentId, message: `agent ${agentId}: ${profile.id}: ${CLAUDE_CODE_ONLY_ADVICE}` });
    }
  }
  for (const u of report.auth.unusableProfiles) {
    if (u.until === null || u.kind === "rejected") continue;
    findings.push({
      check: "cooldown",
      level: "info",
      problem: false,
      agentId,
      message: `agent ${agentId}: ${u.profileId} ${u.kind}${u.kind === u.reason ? "" : ` (${u.reason})`}${u.model ? ` on ${u.model}` : ""}, frees up in ${formatDuration(u.until - now)} (${new Date(u.until).toISOString()})`,
    });
  }
  if (findings.length === before) {
    const effective = report.auth.providers.find((p) => p.provider === splitModelRef(defaultModelRef(config, agentId)).provider)?.effective;
    const via = effective?.source === "profile" ? `profile ${effective.profileId}` : effective?.source === "env" ? `env ${effective.envVar}` : "its credentials";
    findings.push({ check: "credentials", level: "ok", problem: false, agentId, message: `agent ${agentId}: credentials ok (${via})` });
  }
}

/**
 * Models of a provider Baton cannot call fail (every turn with them would fail).
 * Models past their end of life (DESIGN §9): a configured primary, fallback or allowlist entry
 * (alias included), or a chat's own `/model` choice, that points at a retired model warns;
 * one retiring later is noted. Reads the cached provider lists, never the network.
 */
async function checkModelLifecycle(paths: BatonPaths, config: BatonConfig, findings: Finding[]): Promise<void> {
  const { loadCatalog } = await import("../../agents/model-catalog-cache.js");
  const { lifecycleOf, mergeCatalog } = await import("../../agents/model-catalog.js");
  const { replacementFor } = await import("../../agents/catalog.js");
  const { agentSettings } = await import("../../agents/agents.js");
  const now = Date.now();
  const agents = listAgentIds(config);
  const settingsOf = new Map(agents.map((agentId) => [agentId, agentSettings(config, agentId)]));
  const providers = new Set<string>();
  for (const s of settingsOf.values()) for (const ref of [s.primary, ...s.fallbacks, ...Object.keys(s.models)]) providers.add(splitModelRef(ref).provider);
  const lists = await Promise.all([...providers].map((provider) => loadCatalog({ provider, stateDir: paths.stateDir })));
  for (const list of lists) if (list.problem) findings.push({ check: "models", level: "warn", problem: false, message: list.problem });
  const catalog = mergeCatalog(lists, now);
  const uses = new Map<string, string[]>();
  const note = (ref: string, use: string) => uses.set(ref, [...(uses.get(ref) ?? []), use]);
  for (const [agentId, s] of settingsOf) {
    note(s.primary, `agent ${agentId}'s default model`);
    for (const ref of s.fallbacks) note(ref, `a fallback of agent ${agentId}`);
    for (const [ref, entry] of Object.entries(s.models)) note(ref, `agents.defaults.models${entry.alias ? ` (alias ${entry.alias})` : ""}`);
    if (config.state.backend === "file") {
      const chats = sessionModelOverrides(paths.sessionsDir(agentId));
      for (const [ref, count] of chats) note(ref, `${count} chat${count === 1 ? "" : "s"} of agent ${agentId} (set with /model)`);
    }
  }
  for (const [ref, where] of uses) {
    const { provider } = splitModelRef(ref);
    if (providerEntry(provider)) continue;
    const used = [...new Set(where)].join(", ");
    findings.push({ check: "models", level: "error", problem: true, message: `${ref}: Baton has no provider "${provider}" (it calls ${providerIds().join(", ")}), so turns with it fail. Used by ${used}.` });
  }
  for (const [ref, where] of uses) {
    const life = lifecycleOf(ref, catalog, now);
    if (!life.endOfLife && !life.retired) continue;
    const used = [...new Set(where)].join(", ");
    const instead = replacementFor(ref);
    const suggestion = instead ? `; use ${instead.alias ? `${instead.alias} (${instead.ref})` : instead.ref}` : "";
    if (life.retired) {
      findings.push({ check: "models", level: "warn", problem: false, message: `${ref} is past its end of life${life.endOfLife ? ` (${life.endOfLife})` : ""}: requests to it fail. Used by ${used}${suggestion}.` });
    } else {
      findings.push({ check: "models", level: "info", problem: false, message: `${ref} retires on ${life.endOfLife}. Used by ${used}${suggestion}.` });
    }
  }
}

/** `/model` choices stored in an agent's session files (file backend): model ref -> how many chats. Unreadable files are skipped. */
function sessionModelOverrides(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith(".json")).slice(0, 10_000);
  } catch {
    return counts;
  }
  for (const name of names) {
    try {
      const override = (JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as { modelOverride?: unknown }).modelOverride;
      if (typeof override === "string" && override) counts.set(override, (counts.get(override) ?? 0) + 1);
    } catch {
      // an unreadable session is the session store's to report
    }
  }
  return counts;
}

/**
 * Who may talk to the bot (DESIGN.md §8): a channel open to everyone spends your credentials for
 * anyone who finds it (warn); with privileged commands open too, anyone can also switch models
 * and pin credentials (fail).
 */
function checkChannelAccess(config: BatonConfig, findings: Finding[]): void {
  const commandsOpen = privilegedCommandsOpen(config);
  const warnings = openAccessWarnings(config);
  openChannels(config).forEach(({ channel }, i) => {
    findings.push({
      check: "access",
      level: commandsOpen ? "error" : "warn",
      problem: commandsOpen,
      message: commandsOpen ? `${warnings[i]} Remove "*" from commands.allowFrom (unset, only the owners in channels.${channel}.allowFrom may switch).` : warnings[i],
    });
  });
  if (commandsOpen && !warnings.length) {
    findings.push({
      check: "access",
      level: "info",
      problem: false,
      message: 'commands.allowFrom is ["*"]: everyone the bot answers may switch models, pin credentials and /reset all.',
    });
  }
}

/**
 * Pairing data (`<state>/pairing/<channel>.json`, or Redis with a shared backend) must parse; a
 * corrupt one locks out approved senders.
 */
async function checkPairing(paths: BatonPaths, shared: StateBackend | undefined, findings: Finding[]): Promise<void> {
  let channels: string[];
  try {
    channels = shared ? await shared.pairingChannels() : pairingChannels(paths.stateDir);
  } catch (err) {
    if (!(err instanceof StateUnavailableError)) throw err;
    findings.push({ check: "pairing", level: "error", problem: true, message: `cannot read pairing approvals from the state backend (${err.message})` });
    return;
  }
  for (const channel of channels) {
    const repository = shared?.pairing(channel);
    const file = repository?.location ?? pairingFile(paths.stateDir, channel);
    try {
      const data = repository ? await repository.read() : await readPairing(file);
      const pending = livePending(data, Date.now()).length;
      findings.push({
        check: "pairing",
        level: "ok",
        problem: false,
        path: file,
        message: `${channel}: ${data.approved.length} approved sender${data.approved.length === 1 ? "" : "s"}, ${pending} pending request${pending === 1 ? "" : "s"}${pending ? ` (see \`baton pairing list --channel ${channel}\`)` : ""}`,
      });
    } catch (err) {
      if (!(err instanceof PairingStoreError || err instanceof StateUnavailableError)) throw err;
      findings.push({ check: "pairing", level: "error", problem: true, path: file, message: err.message });
    }
  }
}

function agentDirsOnDisk(paths: BatonPaths): string[] {
  try {
    return fs
      .readdirSync(path.join(paths.stateDir, "agents"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return !!relative && !relative.startsWith("..") && !path.isAbsolute(relative);
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}

function render(findings: Finding[], ok: boolean, fix: boolean, style: ReturnType<typeof createStyle>): string {
  const mark = (f: Finding) => {
    if (f.fixed) return style.green("fixed");
    switch (f.level) {
      case "ok":
        return style.green("ok   ");
      case "info":
        return style.dim("info ");
      case "warn":
        return style.yellow("warn ");
      case "error":
        return style.red("FAIL ");
    }
  };
  const lines = findings.map((f) => `${mark(f)} ${f.message}${f.fix && !f.fixed ? style.dim(`  [--fix: ${f.fix}]`) : ""}`);
  const fixable = findings.some((f) => f.problem && f.fix && !f.fixed);
  lines.push("");
  lines.push(
    ok
      ? style.green(fix ? "No problems remain." : "No problems found.")
      : style.red(`Problems remain.${fixable ? " Run `baton doctor --fix` to repair what can be repaired." : ""}`),
  );
  return `${lines.join("\n")}\n`;
}
