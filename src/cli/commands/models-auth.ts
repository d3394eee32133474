import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { resolveAgentId } from "../../config/agents.js";
import { CLAUDE_CLI_PROFILE_ID } from "../../auth/claude-sync.js";
import { PROFILE_ID } from "../../config/profile-id.js";
import { clearCooldowns } from "../../auth/cooldown.js";
import { formatDuration, parseDuration } from "../../util/duration.js";
import { resolveProfileOrder } from "../../auth/order.js";
import { forgetProfileInConfig, saveCredential } from "../../auth/save-credential.js";
import { buildModelsStatus } from "../../auth/status.js";
import { readAuthStore, removeProfile, updateAuthStore } from "../../auth/store.js";
import { validateSecret, type SecretKind } from "../../auth/token-validation.js";
import type { AuthProfile } from "../../auth/types.js";
import { loadRuntime, type Runtime } from "../../config/runtime.js";
import { openStateBackend } from "../../state/backend.js";
import { withBackendUsage } from "../stored-usage.js";
import { maskSecret } from "../../util/mask.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { createStyle, table } from "../style.js";

/** `baton models auth list|remove|paste-token|setup-token|order get/set/clear|cooldown list/clear`. */

export interface ModelsAuthOptions {
  subcommand: "list" | "remove" | "setup-token" | "paste-token" | "order-get" | "order-set" | "order-clear" | "cooldown-list" | "cooldown-clear";
  agent?: string;
  json?: boolean;
  id?: string;
  ids?: string[];
  provider?: string;
  profileId?: string;
  expiresIn?: string;
}

interface Scope {
  runtime: Runtime;
  agentId: string;
  storePath: string;
}

export async function run(options: ModelsAuthOptions, ctx: CliContext): Promise<number> {
  const runtime = await loadRuntime({ processEnv: ctx.env, configFlag: ctx.configFlag });
  const agentId = resolveAgentId(runtime.config, options.agent);
  const scope: Scope = { runtime, agentId, storePath: runtime.paths.authStorePath(agentId) };
  switch (options.subcommand) {
    case "list":
      return list(options, scope, ctx);
    case "remove":
      return remove(options.id ?? "", scope, ctx);
    case "paste-token":
      return pasteToken(options, scope, ctx);
    case "setup-token":
      return setupToken(options, scope, ctx);
    case "order-get":
      return orderGet(options, scope, ctx);
    case "order-set":
      return orderSet(options, scope, ctx);
    case "order-clear":
      return orderClear(options, scope, ctx);
    case "cooldown-list":
      return cooldownList(options, scope, ctx);
    case "cooldown-clear":
      return cooldownClear(options.id, scope, ctx);
  }
}

function agentFlag(scope: Scope): string {
  return scope.agentId === resolveAgentId(scope.runtime.config) ? "" : ` --agent ${scope.agentId}`;
}

async function statusOf(scope: Scope) {
  const { runtime } = scope;
  const store = await withBackendUsage(runtime, scope.agentId, await readAuthStore(scope.storePath));
  const report = buildModelsStatus({
    agentId: scope.agentId,
    configPath: runtime.paths.configPath,
    stateDir: runtime.paths.stateDir,
    storePath: scope.storePath,
    config: runtime.config,
    env: runtime.env,
    store,
    now: Date.now(),
  });
  return { store, report };
}

async function list(options: ModelsAuthOptions, scope: Scope, ctx: CliContext): Promise<number> {
  const { store, report } = await statusOf(scope);
  if (options.json) {
    printJson(ctx, { agentId: scope.agentId, storePath: scope.storePath, profiles: report.auth.profiles, order: store.order });
    return EXIT.ok;
  }
  const style = createStyle(ctx.color);
  const lines = [`${style.bold("Auth profiles of agent")} ${scope.agentId}  ${style.dim(scope.storePath)}`];
  if (!report.auth.profiles.length) lines.push(style.dim("  none"));
  else {
    const rows = [["  ID", "TYPE", "SECRET", "EXPIRES", "STATUS"].map((h) => style.dim(h))];
    for (const p of report.auth.profiles) {
      rows.push([`  ${p.id}`, p.type ?? "-", p.secret, p.expires === null ? "-" : new Date(p.expires).toISOString(), p.status]);
    }
    lines.push(table(rows));
  }
  for (const [provider, ids] of Object.entries(store.order)) lines.push(`${style.dim(`order ${provider}:`)} ${ids.join(", ")}`);
  ctx.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

async function remove(profileId: string, scope: Scope, ctx: CliContext): Promise<number> {
  const inStore = await updateAuthStore(scope.storePath, (store) => removeProfile(store, profileId));
  const inConfig = await forgetProfileInConfig(scope.runtime.paths.configPath, profileId);
  if (!inStore && !inConfig) {
    ctx.stderr.write(`No profile ${profileId} for agent ${scope.agentId} (${scope.storePath}). See \`baton models auth list${agentFlag(scope)}\`.\n`);
    return EXIT.failure;
  }
  const where = [inStore ? scope.storePath : "", inConfig ? `${scope.runtime.paths.configPath} (auth.profiles)` : ""].filter(Boolean).join(" and ");
  ctx.stdout.write(`Removed ${profileId} from ${where}.\n`);
  if (profileId === CLAUDE_CLI_PROFILE_ID && fs.existsSync(scope.runtime.paths.claudeCredentialsPath)) {
    ctx.stdout.write(`Note: Claude Code credentials exist at ${scope.runtime.paths.claudeCredentialsPath}; \`baton models status\` will sync them back.\n`);
  }
  return EXIT.ok;
}

/**
 * Reads a secret: a masked prompt on a TTY (re-asking until it validates), else all of stdin.
 * Returns undefined when the prompt was cancelled.
 */
export async function readSecret(ctx: CliContext, message: string, check: (value: string) => string | undefined): Promise<string | undefined> {
  if (ctx.stdin.isTTY) {
    const { password, isCancel } = await import("@clack/prompts");
    const value = await password({ message, validate: (v) => check(v ?? ""), input: ctx.stdin as any, output: ctx.stdout as any });
    return isCancel(value) ? undefined : value;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Validates and stores a secret for `profileId`; prints the result. Nothing is written on refusal. */
export async function storeSecret(
  ctx: CliContext,
  scope: Scope,
  input: { provider: string; profileId: string; kind: SecretKind; raw: string | undefined; expiresAt?: number },
): Promise<number> {
  if (input.raw === undefined) {
    ctx.stderr.write("Cancelled; nothing was saved.\n");
    return EXIT.failure;
  }
  const checked = validateSecret(input.provider, input.kind, input.raw);
  if (!checked.ok) {
    ctx.stderr.write(`Refused: ${checked.problem}\n`);
    return EXIT.failure;
  }
  const profile: AuthProfile =
    checked.type === "api_key"
      ? { type: "api_key", provider: input.provider, key: checked.value }
      : { type: "token", provider: input.provider, token: checked.value, ...(input.expiresAt ? { expires: input.expiresAt } : {}) };
  const saved = await saveCredential({ storePath: scope.storePath, configPath: scope.runtime.paths.configPath, profileId: input.profileId, profile });
  const expiry = profile.type === "token" && profile.expires ? `, expires ${new Date(profile.expires).toISOString()}` : "";
  ctx.stdout.write(
    `${saved.replaced ? "Replaced" : "Saved"} ${input.profileId} (${profile.type} ${maskSecret(checked.value)}${expiry}) for agent ${scope.agentId}.\n` +
      `  store   ${saved.storePath}\n` +
      `  config  ${saved.configPath}: auth.profiles["${input.profileId}"] = { provider: "${input.provider}", mode: "${saved.mode}" }\n` +
      `Verify with \`baton models status${agentFlag(scope)}\`.\n`,
  );
  if (input.expiresAt && profile.type === "api_key") ctx.stdout.write("Note: --expires-in is ignored for API keys (they do not expire).\n");
  return EXIT.ok;
}

function checkProfileId(ctx: CliContext, provider: string, profileId: string): boolean {
  if (!PROFILE_ID.test(profileId) || !profileId.startsWith(`${provider}:`)) {
    ctx.stderr.write(`Invalid profile id "${profileId}": profile ids are <provider>:<name> and must start with "${provider}:".\n`);
    return false;
  }
  return true;
}

async function pasteToken(options: ModelsAuthOptions, scope: Scope, ctx: CliContext): Promise<number> {
  const provider = (options.provider ?? "").trim().toLowerCase();
  // anthropic:manual is the seeds' name for a pasted setup-token; other providers' keys are their default profile
  const profileId = options.profileId?.trim() || (provider === "anthropic" ? "anthropic:manual" : `${provider}:default`);
  if (!checkProfileId(ctx, provider, profileId)) return EXIT.usage;
  let expiresAt: number | undefined;
  if (options.expiresIn !== undefined) {
    const ms = parseDuration(options.expiresIn);
    if (ms === undefined) {
      ctx.stderr.write(`Invalid --expires-in "${options.expiresIn}": use a duration like 365d, 12h or 90m.\n`);
      return EXIT.usage;
    }
    expiresAt = Date.now() + ms;
  }
  const what = provider === "anthropic" ? "Anthropic setup-token or API key" : provider === "openrouter" ? "OpenRouter API key (sk-or-v1-...)" : `${provider} API key or token`;
  const raw = await readSecret(ctx, `Paste the ${what} for ${profileId}`, (v) => {
    const checked = validateSecret(provider, "credential", v);
    return checked.ok ? undefined : checked.problem;
  });
  return storeSecret(ctx, scope, { provider, profileId, kind: "credential", raw, expiresAt });
}

function commandOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function setupToken(options: ModelsAuthOptions, scope: Scope, ctx: CliContext): Promise<number> {
  const provider = (options.provider ?? "anthropic").trim().toLowerCase();
  if (provider !== "anthropic") {
    ctx.stderr.write(`setup-token is for Anthropic only; for ${provider} use \`baton models auth paste-token --provider ${provider}\`.\n`);
    return EXIT.usage;
  }
  const profileId = options.profileId?.trim() || CLAUDE_CLI_PROFILE_ID;
  if (!checkProfileId(ctx, provider, profileId)) return EXIT.usage;
  if (!ctx.stdin.isTTY || !ctx.stdout.isTTY) {
    ctx.stderr.write(
      "`claude setup-token` requires an interactive TTY, and this is not one.\n" +
        "Run `claude setup-token` on any machine, then paste the token here with:\n" +
        `  baton models auth paste-token --provider anthropic${agentFlag(scope)}   (reads the token from stdin when not a TTY)\n`,
    );
    return EXIT.failure;
  }
  const claude = commandOnPath("claude", ctx.env);
  if (claude) {
    ctx.stdout.write("Running `claude setup-token`; follow its instructions, then paste the token it prints.\n");
    const code = await new Promise<number>((resolve) => {
      const child = spawn(claude, ["setup-token"], { stdio: "inherit" });
      child.on("error", () => resolve(1));
      child.on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0) ctx.stderr.write(`\`claude setup-token\` exited with ${code}; you can still paste a token created elsewhere.\n`);
  } else {
    ctx.stdout.write("The `claude` command is not on PATH. Run `claude setup-token` on any machine with Claude Code and paste the token here.\n");
  }
  const raw = await readSecret(ctx, `Paste the setup-token (sk-ant-oat01-...) for ${profileId}`, (v) => {
    const checked = validateSecret(provider, "setup-token", v);
    return checked.ok ? undefined : checked.problem;
  });
  return storeSecret(ctx, scope, { provider, profileId, kind: "setup-token", raw });
}

async function orderGet(options: ModelsAuthOptions, scope: Scope, ctx: CliContext): Promise<number> {
  const provider = (options.provider ?? "").trim();
  const store = await readAuthStore(scope.storePath);
  const override = store.order[provider] ?? null;
  const effective = resolveProfileOrder({ provider, store, auth: scope.runtime.config.auth, now: Date.now() });
  if (options.json) {
    printJson(ctx, { agentId: scope.agentId, provider, override, effective: effective.profiles.map((p) => p.profileId), source: effective.source });
    return EXIT.ok;
  }
  const ids = effective.profiles.map((p) => p.profileId).join(", ") || "(no profiles)";
  if (override) ctx.stdout.write(`${provider} order for agent ${scope.agentId} (override in ${scope.storePath}): ${override.join(", ")}\n`);
  else ctx.stdout.write(`No order override for ${provider} in agent ${scope.agentId}; effective order (${describeSource(effective.source)}): ${ids}\n`);
  return EXIT.ok;
}

function describeSource(source: string): string {
  switch (source) {
    case "config-order":
      return "config auth.order";
    case "config-profiles":
      return "config auth.profiles, then other stored profiles";
    case "store":
      return "store override";
    default:
      return "stored profiles, least recently used first";
  }
}

async function orderSet(options: ModelsAuthOptions, scope: Scope, ctx: CliContext): Promise<number> {
  const provider = (options.provider ?? "").trim();
  const ids = [...new Set((options.ids ?? []).map((id) => id.trim()).filter(Boolean))];
  const outcome = await updateAuthStore(scope.storePath, (store) => {
    const unknown = ids.filter((id) => store.profiles[id]?.provider !== provider);
    if (unknown.length) {
      const known = Object.keys(store.profiles).filter((id) => store.profiles[id].provider === provider);
      return { ok: false as const, unknown, known };
    }
    store.order[provider] = ids;
    return { ok: true as const };
  });
  if (!outcome.ok) {
    ctx.stderr.write(
      `Unknown ${provider} profile${outcome.unknown.length > 1 ? "s" : ""} for agent ${scope.agentId}: ${outcome.unknown.join(", ")}. ` +
        `Known: ${outcome.known.join(", ") || "(none)"}. Nothing was changed.\n`,
    );
    return EXIT.failure;
  }
  ctx.stdout.write(`${provider} order for agent ${scope.agentId}: ${ids.join(", ")}\n`);
  return EXIT.ok;
}

async function orderClear(options: ModelsAuthOptions, scope: Scope, ctx: CliContext): Promise<number> {
  const provider = (options.provider ?? "").trim();
  const had = await updateAuthStore(scope.storePath, (store) => {
    const existed = provider in store.order;
    delete store.order[provider];
    return existed;
  });
  ctx.stdout.write(had ? `Cleared the ${provider} order override of agent ${scope.agentId}.\n` : `Agent ${scope.agentId} had no ${provider} order override.\n`);
  return EXIT.ok;
}

async function cooldownList(options: ModelsAuthOptions, scope: Scope, ctx: CliContext): Promise<number> {
  const { report } = await statusOf(scope);
  const now = Date.now();
  // rejected profiles stay listed past their retry time: `cooldown clear` is one way to end it
  const cooldowns = report.auth.unusableProfiles.filter((u) => u.until !== null || u.kind === "rejected");
  if (options.json) {
    printJson(ctx, { agentId: scope.agentId, cooldowns });
    return EXIT.ok;
  }
  if (!cooldowns.length) {
    ctx.stdout.write(`No profile of agent ${scope.agentId} is in cooldown or disabled.\n`);
    return EXIT.ok;
  }
  const rows = cooldowns.map((u) => [
    `  ${u.profileId}`,
    `${u.kind}${u.kind === u.reason || u.kind === "budget" ? "" : ` (${u.reason})`}${u.model ? ` on ${u.model}` : ""}`,
    u.until === null ? "until a success or a clear" : `frees up in ${formatDuration(u.until - now)}`,
    u.until === null ? "" : new Date(u.until).toISOString(),
  ]);
  ctx.stdout.write(`${table(rows)}\nClear with \`baton models auth cooldown clear [ID]${agentFlag(scope)}\`.\n`);
  return EXIT.ok;
}

async function cooldownClear(profileId: string | undefined, scope: Scope, ctx: CliContext): Promise<number> {
  const cleared = scope.runtime.config.state.backend === "file" ? await clearInStore(profileId, scope) : await clearInBackend(profileId, scope);
  if (!cleared) {
    ctx.stderr.write(`No profile ${profileId} for agent ${scope.agentId} (${scope.storePath}).\n`);
    return EXIT.failure;
  }
  ctx.stdout.write(profileId ? `Cleared the cooldowns of ${profileId}.\n` : `Cleared the cooldowns of ${cleared.length} profile${cleared.length === 1 ? "" : "s"} of agent ${scope.agentId}.\n`);
  return EXIT.ok;
}

function clearInStore(profileId: string | undefined, scope: Scope): Promise<string[] | undefined> {
  return updateAuthStore(scope.storePath, (store) => {
    if (profileId && !store.profiles[profileId]) return undefined;
    const ids = profileId ? [profileId] : Object.keys(store.usageStats);
    for (const id of ids) if (store.usageStats[id]) store.usageStats[id] = { ...store.usageStats[id], ...clearCooldowns(store.usageStats[id]) };
    return ids;
  });
}

/** With a shared backend (Redis) the stats are there; every gateway sees the clear at once. */
async function clearInBackend(profileId: string | undefined, scope: Scope): Promise<string[] | undefined> {
  const { runtime } = scope;
  const store = await readAuthStore(scope.storePath);
  if (profileId && !store.profiles[profileId] && !profileId.startsWith("env:")) return undefined;
  const usage = openStateBackend(runtime.config, runtime.paths, runtime.env).authUsage(scope.agentId);
  const ids = profileId ? [profileId] : Object.keys(await usage.snapshot());
  for (const id of ids) await usage.update(id, (stats) => ({ ...stats, ...clearCooldowns(stats) }));
  return ids;
}
