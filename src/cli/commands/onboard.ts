import { agentModelChoice, resolveAgentId, splitModelRef } from "../../config/agents.js";
import { CLAUDE_CLI_PROFILE_ID, readClaudeCredentials, syncClaudeCredentials } from "../../auth/claude-sync.js";
import { describeProfileInConfig } from "../../auth/save-credential.js";
import { validateSecret } from "../../auth/token-validation.js";
import { loadRuntime, ensurePrivateDir, type Runtime } from "../../config/runtime.js";
import { setEnvVars } from "../../config/env-file.js";
import { updateConfigFile } from "../../config/write.js";
import { providerEntry } from "../../providers/registry.js";
import { maskSecret } from "../../util/mask.js";
import { EXIT, type CliContext } from "../context.js";
import { readSecret, storeSecret } from "./models-auth.js";
import { channelWizard, parseChannelRequests, setUpChannelsFromFlags, setupChannels, type SetupChannel } from "./onboard-channels.js";

/**
 * `baton onboard`: set up an agent's Anthropic or OpenRouter credential.
 *
 * - Interactive (stdin and stdout are TTYs, no `--non-interactive`, no choice given by flags):
 *   a @clack/prompts wizard — API key, setup-token, reuse Claude Code credentials, OpenRouter API
 *   key, or skip. After
 *   an API key it offers to also write `ANTHROPIC_API_KEY` to `<state>/.env` for daemons
 *   (default no: the agent store already serves the gateway).
 * - Flags: `--anthropic-api-key KEY` alone stores `anthropic:default` (api_key) and writes
 *   `auth.profiles["anthropic:default"]`; `--auth-choice setup-token` reads the token from a
 *   prompt or, without a TTY, from stdin (stored as `anthropic:manual`, mode token);
 *   `claude-cli` syncs Claude Code's login into `anthropic:claude-cli` (mode oauth);
 *   `apiKey` takes the key from `--anthropic-api-key`, else a prompt, else stdin; `skip` writes nothing.
 *   Non-interactive runs never write the Anthropic key to `<state>/.env`.
 * - OpenRouter: `--openrouter-api-key KEY` (or `--auth-choice openrouter-api-key`, the key from a
 *   prompt or stdin) stores `openrouter:default` (api_key); it may go with `--anthropic-api-key`.
 *   OpenRouter then becomes the agent's fallback: its suggested model is appended to
 *   `agents.defaults.model.fallbacks` unless the agent names an OpenRouter model already, so turns
 *   are answered through OpenRouter whenever no Anthropic profile can (none stored included). The
 *   wizard asks first; flags do it and say so.
 * - Chat channels (onboard-channels.ts): `--<channel>-token TOKEN` and `--owner <channel>:<id>`
 *   for every channel whose config module declares a `setup`; the wizard asks after the
 *   credential. Tokens are checked with the platform and go to `<state>/.env`, owners to
 *   `channels.<id>.allowFrom`.
 */

export interface OnboardOptions {
  nonInteractive?: boolean;
  anthropicApiKey?: string;
  openrouterApiKey?: string;
  authChoice?: "apiKey" | "setup-token" | "claude-cli" | "openrouter-api-key" | "skip";
  agent?: string;
  /** Words commander did not know: `--<channel>-token TOKEN`. */
  channelFlags?: string[];
  /** `--owner <channel>:<id>`, repeatable. */
  owner?: string[];
}

type Choice = NonNullable<OnboardOptions["authChoice"]>;

interface Scope {
  runtime: Runtime;
  agentId: string;
  storePath: string;
  /** Chat channels that can be set up here. */
  channels: SetupChannel[];
}

export async function run(options: OnboardOptions, ctx: CliContext): Promise<number> {
  // onboarding creates the config: a --config naming a file that does not exist yet is where it goes
  const runtime = await loadRuntime({ processEnv: ctx.env, configFlag: ctx.configFlag, configMayBeMissing: true, allChannels: true });
  const agentId = resolveAgentId(runtime.config, options.agent);
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(agentId)) {
    ctx.stderr.write(`Invalid agent id "${agentId}": agent ids use letters, digits, - and _.\n`);
    return EXIT.usage;
  }
  const channels = setupChannels(runtime.channels.all());
  const requests = parseChannelRequests(options.channelFlags ?? [], options.owner ?? [], channels);
  if ("problem" in requests) {
    ctx.stderr.write(`${requests.problem}\n`);
    return EXIT.usage;
  }
  const channelWork = requests.tokens.size > 0 || requests.owners.size > 0;
  const scope: Scope = { runtime, agentId, storePath: runtime.paths.authStorePath(agentId), channels };
  ensurePrivateDir(runtime.paths.stateDir);

  if (options.anthropicApiKey !== undefined && options.authChoice && options.authChoice !== "apiKey") {
    ctx.stderr.write(`--anthropic-api-key goes with --auth-choice apiKey, not ${options.authChoice}.\n`);
    return EXIT.usage;
  }
  if (options.openrouterApiKey !== undefined && options.authChoice && options.authChoice !== "openrouter-api-key") {
    ctx.stderr.write(`--openrouter-api-key goes with --auth-choice openrouter-api-key, not ${options.authChoice}.\n`);
    return EXIT.usage;
  }
  const interactive = !options.nonInteractive && !!ctx.stdin.isTTY && !!ctx.stdout.isTTY;
  if (options.anthropicApiKey !== undefined && options.openrouterApiKey !== undefined) {
    const stored = await applyChoice("apiKey", options, scope, ctx, interactive);
    if (stored !== EXIT.ok) return stored;
    options = { ...options, anthropicApiKey: undefined };
  }
  const choice: Choice | undefined =
    options.anthropicApiKey !== undefined ? "apiKey" : options.openrouterApiKey !== undefined ? "openrouter-api-key" : options.authChoice;
  if (!choice) {
    if (channelWork) return setUpChannelsFromFlags(runtime, channels, requests, ctx);
    if (interactive) return wizard(scope, ctx);
    return nothingChosen(scope, ctx);
  }
  const code = await applyChoice(choice, options, scope, ctx, interactive);
  if (code !== EXIT.ok || !channelWork) return code;
  return setUpChannelsFromFlags(runtime, channels, requests, ctx);
}

async function applyChoice(choice: Choice, options: OnboardOptions, scope: Scope, ctx: CliContext, interactive: boolean): Promise<number> {
  const needsValue =
    choice === "setup-token" ||
    (choice === "apiKey" && options.anthropicApiKey === undefined) ||
    (choice === "openrouter-api-key" && options.openrouterApiKey === undefined);
  if (needsValue && !interactive && ctx.stdin.isTTY) {
    const flag = choice === "apiKey" ? " or pass --anthropic-api-key" : choice === "openrouter-api-key" ? " or pass --openrouter-api-key" : "";
    ctx.stderr.write(`Not prompting (--non-interactive or no terminal output): pipe the ${choice === "setup-token" ? "setup-token" : "API key"} into stdin${flag}.\n`);
    return EXIT.usage;
  }
  switch (choice) {
    case "apiKey": {
      const raw =
        options.anthropicApiKey ??
        (await readSecret(ctx, "Anthropic API key (sk-ant-...)", (v) => problemOf(validateSecret("anthropic", "api-key", v))));
      return storeSecret(ctx, scope, { provider: "anthropic", profileId: "anthropic:default", kind: "api-key", raw });
    }
    case "setup-token": {
      const raw = await readSecret(ctx, "Paste the setup-token from `claude setup-token` (sk-ant-oat01-...)", (v) =>
        problemOf(validateSecret("anthropic", "setup-token", v)),
      );
      return storeSecret(ctx, scope, { provider: "anthropic", profileId: "anthropic:manual", kind: "setup-token", raw });
    }
    case "claude-cli":
      return reuseClaudeCode(scope, ctx);
    case "openrouter-api-key": {
      const raw =
        options.openrouterApiKey ??
        (await readSecret(ctx, "OpenRouter API key (sk-or-v1-...)", (v) => problemOf(validateSecret("openrouter", "api-key", v))));
      const code = await storeSecret(ctx, scope, { provider: "openrouter", profileId: "openrouter:default", kind: "api-key", raw });
      // the wizard asks before it changes the model choice; flags do it
      if (code === EXIT.ok && !interactive) await useOpenRouterAsFallback(scope, ctx);
      return code;
    }
    case "skip":
      ctx.stdout.write(
        `Skipped: nothing was stored for agent ${scope.agentId}. Later: \`baton onboard --agent ${scope.agentId}\` or \`baton models auth paste-token --provider anthropic\`.\n`,
      );
      return EXIT.ok;
  }
}

function problemOf(check: ReturnType<typeof validateSecret>): string | undefined {
  return check.ok ? undefined : check.problem;
}

async function reuseClaudeCode(scope: Scope, ctx: CliContext): Promise<number> {
  const { claudeCredentialsPath, configPath } = scope.runtime.paths;
  const result = await syncClaudeCredentials(scope.storePath, claudeCredentialsPath);
  if (result.status === "absent" || result.status === "invalid") {
    const why = result.status === "absent" ? `No Claude Code credentials found at ${claudeCredentialsPath}` : `Cannot use Claude Code credentials: ${result.problem}`;
    ctx.stderr.write(
      `${why}.\n` +
        "Log in with Claude Code on this host (`claude`, or `claude setup-token`; CLAUDE_CONFIG_DIR selects another config dir), then re-run,\n" +
        `or paste a token from another machine: \`baton models auth paste-token --provider anthropic --agent ${scope.agentId}\`.\n`,
    );
    return EXIT.failure;
  }
  await describeProfileInConfig(configPath, CLAUDE_CLI_PROFILE_ID, "anthropic", "oauth");
  const verb = result.status === "unchanged" ? "is already up to date in" : result.status === "created" ? "was added to" : "was refreshed in";
  ctx.stdout.write(
    `${CLAUDE_CLI_PROFILE_ID} (${result.type}, from ${claudeCredentialsPath}) ${verb} ${scope.storePath}.\n` +
      `  config  ${configPath}: auth.profiles["${CLAUDE_CLI_PROFILE_ID}"] = { provider: "anthropic", mode: "oauth" }\n` +
      `Verify with \`baton models status --agent ${scope.agentId}\`.\n`,
  );
  return EXIT.ok;
}

async function nothingChosen(scope: Scope, ctx: CliContext): Promise<number> {
  const found = (["anthropic", "openrouter"] as const).flatMap((provider) => {
    const name = provider === "anthropic" ? "ANTHROPIC_API_KEY" : "OPENROUTER_API_KEY";
    const value = scope.runtime.env[name]?.trim();
    return value ? [{ provider, name, value }] : [];
  });
  if (found.length) {
    for (const { provider, name, value } of found) {
      ctx.stdout.write(
        `${name} is set in the environment (${maskSecret(value)}); agent ${scope.agentId} uses it when it has no ${provider} profile. Nothing was stored.\n` +
          `To store it in the agent: \`baton onboard --${provider}-api-key "$${name}" --agent ${scope.agentId}\`.\n`,
      );
    }
    return EXIT.ok;
  }
  ctx.stderr.write(
    "Nothing to do without a terminal: pass --anthropic-api-key KEY, --openrouter-api-key KEY, or --auth-choice apiKey|setup-token|claude-cli|openrouter-api-key|skip\n" +
      "(setup-token, apiKey and openrouter-api-key read the value from stdin when it is not a TTY)" +
      (scope.channels.length ? `, and/or ${scope.channels.map((c) => `--${c.id}-token TOKEN`).join(", ")} with --owner <channel>:<your id>` : "") +
      ".\n",
  );
  return EXIT.usage;
}

async function wizard(scope: Scope, ctx: CliContext): Promise<number> {
  const prompts = await import("@clack/prompts");
  const io = { input: ctx.stdin as any, output: ctx.stdout as any };
  prompts.intro(`Baton onboarding — agent ${scope.agentId}`, io);
  const claude = await readClaudeCredentials(scope.runtime.paths.claudeCredentialsPath);
  const choice = await prompts.select<Choice>({
    message: `How should agent ${scope.agentId} authenticate with Anthropic?`,
    options: [
      { value: "apiKey", label: "Anthropic API key", hint: "recommended; create one in the Anthropic Console" },
      { value: "setup-token", label: "Anthropic token (paste setup-token)", hint: "from `claude setup-token`" },
      {
        value: "claude-cli",
        label: "Reuse Claude Code credentials",
        hint: claude.status === "found" ? `found at ${scope.runtime.paths.claudeCredentialsPath}` : "none found on this host",
      },
      { value: "openrouter-api-key", label: "OpenRouter API key", hint: "models of many vendors through openrouter.ai; also a fallback when Anthropic cannot answer" },
      { value: "skip", label: "Skip for now" },
    ],
    ...io,
  });
  if (prompts.isCancel(choice)) {
    prompts.cancel("Cancelled; nothing was saved.", io);
    return EXIT.failure;
  }
  if (choice === "setup-token") {
    prompts.note("Setup-tokens are created by the Claude Code CLI, not the Anthropic Console.\nRun `claude setup-token` on any machine and paste the token.", "setup-token", io);
  }
  const code = await applyChoice(choice, {}, scope, ctx, true);
  if (code === EXIT.ok && choice === "apiKey") await offerDotenv(scope, ctx, prompts, io);
  if (code === EXIT.ok && choice === "openrouter-api-key" && !openRouterInUse(scope).named) {
    const wanted = await prompts.confirm({
      message: `Answer through OpenRouter (${OPENROUTER_FALLBACK}) whenever no Anthropic profile can? (adds it to agents.defaults.model.fallbacks)`,
      initialValue: true,
      ...io,
    });
    if (!prompts.isCancel(wanted) && wanted) await useOpenRouterAsFallback(scope, ctx);
  }
  await channelWizard(scope.runtime, scope.channels, prompts, io);
  prompts.outro(code === EXIT.ok ? `Done. Verify with \`baton models status --agent ${scope.agentId}\`.` : "Nothing more was changed.", io);
  return code;
}

const OPENROUTER_FALLBACK = providerEntry("openrouter")?.suggestedModel ?? "openrouter/anthropic/claude-opus-4.5";

/** Whether the agent names an OpenRouter model already (primary, fallbacks, allowlist), and whether it sets its own model in agents.list. */
function openRouterInUse(scope: Scope): { named: boolean; ownModel: boolean } {
  const { config } = scope.runtime;
  const choice = agentModelChoice(config, scope.agentId);
  const refs = [choice.primary, ...choice.fallbacks, ...Object.keys(config.agents?.defaults?.models ?? {})];
  const ownModel = (config.agents?.list ?? []).some((agent) => agent.id === scope.agentId && agent.model !== undefined);
  return { named: refs.some((ref) => splitModelRef(ref).provider === "openrouter"), ownModel };
}

/** Appends OpenRouter's suggested model to `agents.defaults.model.fallbacks` (the primary kept), unless the agent names an OpenRouter model already. */
async function useOpenRouterAsFallback(scope: Scope, ctx: CliContext): Promise<void> {
  const { named, ownModel } = openRouterInUse(scope);
  if (named) return;
  if (ownModel) {
    ctx.stdout.write(`Agent ${scope.agentId} sets its own model in agents.list: add "${OPENROUTER_FALLBACK}" to its model.fallbacks to answer through OpenRouter when Anthropic cannot.\n`);
    return;
  }
  const configPath = scope.runtime.paths.configPath;
  await updateConfigFile(configPath, (raw) => {
    const agents = (raw.agents ??= {});
    const defaults = (agents.defaults ??= {});
    const model = typeof defaults.model === "string" ? { primary: defaults.model } : (defaults.model ?? {});
    const fallbacks: unknown[] = Array.isArray(model.fallbacks) ? model.fallbacks : [];
    if (!fallbacks.includes(OPENROUTER_FALLBACK)) fallbacks.push(OPENROUTER_FALLBACK);
    defaults.model = { ...model, fallbacks };
  });
  ctx.stdout.write(
    `  config  ${configPath}: agents.defaults.model.fallbacks += "${OPENROUTER_FALLBACK}" (answers through OpenRouter whenever no Anthropic profile can; in chat: /model ${OPENROUTER_FALLBACK})\n`,
  );
}

/** Seed 002: daemons read `<state>/.env`; offer to put the key there too. */
async function offerDotenv(scope: Scope, ctx: CliContext, prompts: typeof import("@clack/prompts"), io: { input: any; output: any }): Promise<void> {
  const envFile = scope.runtime.paths.envFile;
  const wanted = await prompts.confirm({
    message: `Also write ANTHROPIC_API_KEY to ${envFile} for systemd/launchd? (not needed for Baton itself: the agent store already has the key)`,
    initialValue: false,
    ...io,
  });
  if (prompts.isCancel(wanted) || !wanted) return;
  const key = await readStoredDefaultKey(scope);
  if (!key) return;
  await setEnvVars(envFile, { ANTHROPIC_API_KEY: key });
  ctx.stdout.write(`Wrote ANTHROPIC_API_KEY (${maskSecret(key)}) to ${envFile} (0600).\n`);
}

async function readStoredDefaultKey(scope: Scope): Promise<string | undefined> {
  const { readAuthStore } = await import("../../auth/store.js");
  const profile = (await readAuthStore(scope.storePath)).profiles["anthropic:default"];
  return profile?.type === "api_key" ? profile.key : undefined;
}
