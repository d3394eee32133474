import fs from "node:fs";
import JSON5 from "json5";
import type { ChannelSpec } from "../../config/channel-catalog.js";
import { plainEnvValue, setEnvVars } from "../../config/env-file.js";
import { readDotenvFile } from "../../config/env.js";
import type { Runtime } from "../../config/runtime.js";
import { updateConfigFile } from "../../config/write.js";
import type { ChannelSetup, ChannelSetupCheck } from "../../plugin-api.js";
import { maskSecret } from "../../util/mask.js";
import { EXIT, type CliContext } from "../context.js";

/**
 * The channel part of `baton onboard`: a chat channel's bot token (checked against the platform,
 * written to `<state>/.env`, never to the config) and its owners (`channels.<id>.allowFrom`). What
 * a channel needs comes from its config module's `setup` declaration; nothing here names one.
 */

/** A channel `baton onboard` can set up. */
export interface SetupChannel {
  id: string;
  setup: ChannelSetup;
}

export function setupChannels(specs: readonly ChannelSpec[]): SetupChannel[] {
  return specs.flatMap((spec) => (spec.setup ? [{ id: spec.id, setup: spec.setup }] : []));
}

/** What the user asked for with flags: tokens and owners by channel id. */
export interface ChannelRequests {
  tokens: Map<string, string>;
  owners: Map<string, string[]>;
}

/**
 * Pure: `--<id>-token TOKEN` / `--<id>-token=TOKEN` from the words commander did not know, and
 * `--owner <id>:<userId>` values. Anything else is a usage problem.
 */
export function parseChannelRequests(extra: readonly string[], owners: readonly string[], channels: readonly SetupChannel[]): ChannelRequests | { problem: string } {
  const ids = new Set(channels.map((c) => c.id));
  const flags = channels.map((c) => `--${c.id}-token`);
  const tokens = new Map<string, string>();
  for (let i = 0; i < extra.length; i++) {
    const word = extra[i];
    const match = /^--([a-z0-9][a-z0-9_-]*)-token(?:=(.*))?$/s.exec(word);
    if (!match || !ids.has(match[1])) {
      const known = flags.length ? ` (channel flags: ${flags.join(", ")})` : "";
      return { problem: `unknown option or argument "${word.startsWith("-") ? word.replace(/=.*$/s, "=…") : "…"}"${known}` };
    }
    const value = match[2] ?? extra[++i];
    if (value === undefined || value === "" || (match[2] === undefined && value.startsWith("--"))) return { problem: `--${match[1]}-token needs the bot token` };
    tokens.set(match[1], value.trim());
  }
  const byChannel = new Map<string, string[]>();
  for (const owner of owners) {
    const at = owner.indexOf(":");
    const id = owner.slice(0, at);
    const userId = owner.slice(at + 1).trim();
    if (at <= 0 || !ids.has(id) || !userId) {
      return { problem: `--owner takes <channel>:<user id>, e.g. --owner ${channels[0]?.id ?? "<channel>"}:123456789 (channels: ${[...ids].join(", ") || "none"}); got "${owner}"` };
    }
    const setup = channels.find((c) => c.id === id)!.setup;
    if (!setup.ownerId.test(userId)) return { problem: `--owner ${owner}: not a ${setup.label} user id. ${setup.ownerHelp}` };
    byChannel.set(id, [...new Set([...(byChannel.get(id) ?? []), userId])]);
  }
  return { tokens, owners: byChannel };
}

/** Pure: owner ids typed at the prompt (commas or spaces), or the first one that is not an id. */
export function parseOwnerList(text: string, setup: ChannelSetup): string[] | { problem: string } {
  const ids = text.split(/[\s,]+/).filter(Boolean);
  const bad = ids.find((id) => !setup.ownerId.test(id));
  return bad === undefined ? [...new Set(ids)] : { problem: `"${bad}" is not a ${setup.label} user id. ${setup.ownerHelp}` };
}

/** What is configured for a channel already. */
export interface ExistingChannel {
  /** The token the gateway would use, and where it comes from. */
  token?: { value: string; from: string };
  owners: string[];
  /** `channels.<id>` is in the config file. */
  section: boolean;
}

/**
 * Pure: the channel's token (the config's `tokenKey` wins over `tokenEnv`, as the plugins read
 * them) and owners, from the raw config section, `<state>/.env` and the effective environment.
 */
export function existingChannel(
  channel: SetupChannel,
  rawSection: unknown,
  dotenv: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
  envFile: string,
): ExistingChannel {
  const section = rawSection && typeof rawSection === "object" && !Array.isArray(rawSection) ? (rawSection as Record<string, unknown>) : undefined;
  const owners = Array.isArray(section?.allowFrom) ? section.allowFrom.map(String) : [];
  const { tokenKey, tokenEnv } = channel.setup;
  const inConfig = section?.[tokenKey];
  let token: ExistingChannel["token"];
  if (typeof inConfig === "string" && inConfig && !inConfig.includes("${")) token = { value: inConfig, from: `the config (channels.${channel.id}.${tokenKey})` };
  else if (dotenv[tokenEnv]) token = { value: dotenv[tokenEnv], from: `${envFile} (${tokenEnv})` };
  else if (env[tokenEnv]) token = { value: env[tokenEnv]!, from: `the environment (${tokenEnv})` };
  return { token, owners, section: section !== undefined };
}

/** Pure: one line saying what exists, e.g. "token 12345678…abcd from ~/.baton/.env (TELEGRAM_BOT_TOKEN); owners 42". */
export function describeExisting(existing: ExistingChannel): string {
  const parts = [
    existing.token ? `token ${maskSecret(existing.token.value)} from ${existing.token.from}` : "no token",
    existing.owners.length ? `owners ${existing.owners.join(", ")}` : "no owners",
  ];
  return parts.join("; ");
}

const CHECK_TIMEOUT_MS = 10_000;

/** Asks the platform about a token; network failures and odd answers become a problem, never a throw, and never show the token. */
export async function checkToken(channel: SetupChannel, token: string, apiRoot: string | undefined, fetchImpl: typeof fetch = fetch): Promise<ChannelSetupCheck> {
  if (!plainEnvValue(token)) return { ok: false, problem: "that is not a bot token (it has spaces, quotes or other characters tokens do not have)" };
  const timedFetch: typeof fetch = (input, init) => fetchImpl(input, { ...init, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  try {
    const result = await channel.setup.check(token, apiRoot, timedFetch);
    return result.ok ? result : { ok: false, problem: hide(result.problem, token) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    return { ok: false, problem: hide(`could not reach ${channel.setup.label}${apiRoot ? ` at ${apiRoot}` : ""} (${why})`, token) };
  }
}

/** `text` with the token masked (a few characters are no secret, and would mangle the text). */
function hide(text: string, token: string): string {
  return token.length >= 8 ? text.split(token).join(maskSecret(token)) : text;
}

/** What to store for one channel. */
export interface ChannelPlan {
  channel: SetupChannel;
  /** A token to write to `<state>/.env` (already checked); undefined keeps what exists. */
  token?: string;
  /** Owners to add to `allowFrom`. */
  owners: string[];
}

/** Writes the plan: the token to `<state>/.env` (0600), `channels.<id>` (owners added) to the config. Returns what was done, one line each. */
export async function applyChannelPlan(runtime: Runtime, plan: ChannelPlan): Promise<string[]> {
  const { id, setup } = plan.channel;
  const lines: string[] = [];
  if (plan.token !== undefined) {
    await setEnvVars(runtime.paths.envFile, { [setup.tokenEnv]: plan.token });
    lines.push(`token ${maskSecret(plan.token)} saved as ${setup.tokenEnv} in ${runtime.paths.envFile} (0600)`);
  }
  let movedOut = false;
  let owners: string[] = [];
  await updateConfigFile(runtime.paths.configPath, (raw) => {
    const channels = (raw.channels ??= {});
    const section = (channels[id] ??= {});
    const inConfig = section[setup.tokenKey];
    // the token lives in .env now; a literal one left in the config would win over it
    if (plan.token !== undefined && typeof inConfig === "string" && !inConfig.includes("${")) {
      delete section[setup.tokenKey];
      movedOut = true;
    }
    const before: string[] = Array.isArray(section.allowFrom) ? section.allowFrom.map(String) : [];
    owners = [...new Set([...before, ...plan.owners])];
    if (owners.length) section.allowFrom = owners;
  });
  if (movedOut) lines.push(`channels.${id}.${setup.tokenKey} removed from the config (the token is in ${runtime.paths.envFile} now)`);
  lines.push(`config ${runtime.paths.configPath}: channels.${id}${owners.length ? `, allowFrom ${owners.join(", ")}` : " (no owners yet: add --owner " + id + ":<your id>)"}`);
  return lines;
}

/** The section's `apiRoot` (the platform's own when unset), from the validated config. */
export function apiRootOf(runtime: Runtime, id: string): string | undefined {
  const root = (runtime.config.channels as Record<string, { apiRoot?: unknown } | undefined> | undefined)?.[id]?.apiRoot;
  return typeof root === "string" ? root : undefined;
}

/** What exists for the channel: its section as written in the config file (`${VAR}` not substituted), `.env`, the environment. */
export function existingOf(runtime: Runtime, channel: SetupChannel): ExistingChannel {
  let written: { channels?: Record<string, unknown> } = {};
  try {
    written = JSON5.parse(fs.readFileSync(runtime.paths.configPath, "utf8")) ?? {};
  } catch {
    // missing (or already reported by loading): nothing written
  }
  return existingChannel(channel, written.channels?.[channel.id], readDotenvFile(runtime.paths.envFile), runtime.env, runtime.paths.envFile);
}

/** `baton onboard --<id>-token T --owner <id>:<user>`: checks and stores each channel asked for; exit 1 when a token is refused. */
export async function setUpChannelsFromFlags(runtime: Runtime, channels: readonly SetupChannel[], requests: ChannelRequests, ctx: CliContext): Promise<number> {
  let code: number = EXIT.ok;
  for (const channel of channels) {
    const token = requests.tokens.get(channel.id);
    const owners = requests.owners.get(channel.id) ?? [];
    if (token === undefined && !owners.length) continue;
    const { label } = channel.setup;
    const existing = existingOf(runtime, channel);
    let account = "";
    let notes: string[] = [];
    if (token !== undefined) {
      const check = await checkToken(channel, token, apiRootOf(runtime, channel.id));
      if (!check.ok) {
        ctx.stderr.write(`${label}: ${check.problem}. Nothing was saved for channels.${channel.id}.\n`);
        code = EXIT.failure;
        continue;
      }
      account = `bot ${check.account}`;
      notes = check.notes ?? [];
      if (existing.token && existing.token.value !== token) account += ` (replaces the token ${maskSecret(existing.token.value)} from ${existing.token.from})`;
    } else {
      account = existing.token ? `token kept (${maskSecret(existing.token.value)} from ${existing.token.from})` : `no token yet (--${channel.id}-token)`;
    }
    const lines = await applyChannelPlan(runtime, { channel, token, owners });
    ctx.stdout.write(`${label}: ${account}\n${[...lines, ...notes].map((l) => `  ${l}\n`).join("")}`);
  }
  return code;
}

type Prompts = typeof import("@clack/prompts");
type Io = { input: any; output: any };

/**
 * The wizard's channel step: which channels to set up, then per channel its token (an existing
 * one may be kept; a new one is checked, and asked again when refused) and owners.
 */
export async function channelWizard(runtime: Runtime, channels: readonly SetupChannel[], prompts: Prompts, io: Io): Promise<void> {
  if (!channels.length) return;
  const existing = new Map(channels.map((c) => [c.id, existingOf(runtime, c)]));
  const chosen = await prompts.multiselect<string>({
    message: "Connect chat channels? (space to choose, enter to go on; none: the terminal chat only)",
    options: channels.map((c) => {
      const now = existing.get(c.id)!;
      return { value: c.id, label: c.setup.label, hint: now.token || now.section ? `set up: ${describeExisting(now)}` : "not set up" };
    }),
    required: false,
    ...io,
  });
  if (prompts.isCancel(chosen)) return;
  for (const channel of channels.filter((c) => chosen.includes(c.id))) {
    const plan = await askChannel(runtime, channel, existing.get(channel.id)!, prompts, io);
    if (!plan) {
      prompts.log.warn(`${channel.setup.label}: skipped, nothing saved.`, io);
      continue;
    }
    const lines = await applyChannelPlan(runtime, plan);
    prompts.log.success(`${channel.setup.label}:\n${lines.join("\n")}`, io);
  }
}

async function askChannel(runtime: Runtime, channel: SetupChannel, existing: ExistingChannel, prompts: Prompts, io: Io): Promise<ChannelPlan | undefined> {
  const { setup } = channel;
  let token: string | undefined;
  const keep = existing.token
    ? await prompts.confirm({ message: `Keep the ${setup.label} token ${maskSecret(existing.token.value)} from ${existing.token.from}?`, initialValue: true, ...io })
    : false;
  if (prompts.isCancel(keep)) return undefined;
  if (!keep) {
    prompts.note(setup.tokenHelp, `${setup.label} bot token`, io);
    for (;;) {
      const value = await prompts.password({ message: `${setup.label} bot token`, validate: (v) => (v && plainEnvValue(v.trim()) ? undefined : "paste the token (no spaces or quotes)"), ...io });
      if (prompts.isCancel(value)) return undefined;
      const spin = prompts.spinner(io);
      spin.start(`Checking the token with ${setup.label}`);
      const check = await checkToken(channel, value.trim(), apiRootOf(runtime, channel.id));
      if (check.ok) {
        spin.stop(`${setup.label} knows this token: bot ${check.account}`);
        if (check.notes?.length) prompts.note(check.notes.join("\n"), setup.label, io);
        token = value.trim();
        break;
      }
      spin.stop(`Refused: ${check.problem}`);
    }
  }
  const now = existing.owners.length ? `now ${existing.owners.join(", ")}; ` : "";
  const owners = await prompts.text({
    message: `Your ${setup.label} user id, and other owners' (${now}commas between; empty: ${existing.owners.length ? "keep" : "none yet"})`,
    placeholder: setup.ownerHelp,
    validate: (v) => {
      const parsed = parseOwnerList(v ?? "", setup);
      return Array.isArray(parsed) ? undefined : parsed.problem;
    },
    ...io,
  });
  if (prompts.isCancel(owners)) return undefined;
  const parsed = parseOwnerList(owners ?? "", setup);
  return { channel, token, owners: Array.isArray(parsed) ? parsed : [] };
}
