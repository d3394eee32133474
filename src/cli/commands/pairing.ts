import { resolvePaths } from "../../config/paths.js";
import { installedChannelPlugins } from "../../config/plugin-files.js";
import { loadRuntime } from "../../config/runtime.js";
import { BatonConfig } from "../../config/schema.js";
import { openStateBackend, type StateBackend } from "../../state/backend.js";
import { StateUnavailableError } from "../../state/unavailable.js";
import { formatDuration } from "../../util/duration.js";
import { approvePairing, livePending, revokePairing, type ApprovedSender, type PendingRequest } from "../../pairing/requests.js";
import { isValidChannelId, PairingStoreError } from "../../pairing/store.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { createStyle, table } from "../style.js";

/**
 * `baton pairing list [--channel C] [--json]`, `baton pairing approve <channel> <code>`,
 * `baton pairing revoke <channel> <userId>` (DESIGN.md §8). Works on the configured state
 * backend (`state.backend`), so it takes effect in every running gateway at once. When the
 * config cannot be read it falls back to the state files and says so.
 */

export interface PairingOptions {
  subcommand: "list" | "approve" | "revoke";
  channel?: string;
  code?: string;
  userId?: string;
  json?: boolean;
}

export async function run(options: PairingOptions, ctx: CliContext): Promise<number> {
  if (options.channel !== undefined && !isValidChannelId(options.channel)) {
    const installed = installedChannelPlugins();
    ctx.stderr.write(`"${options.channel}" is not a channel id (letters, digits, - and _${installed.length ? `; installed: ${installed.join(", ")}` : ""}).\n`);
    return EXIT.usage;
  }
  const state = await stateBackend(ctx);
  try {
    switch (options.subcommand) {
      case "list":
        return await list(state, options, ctx);
      case "approve":
        return await approve(state, options.channel!, options.code ?? "", ctx);
      case "revoke":
        return await revoke(state, options.channel!, options.userId ?? "", ctx);
    }
  } catch (err) {
    if (!(err instanceof PairingStoreError || err instanceof StateUnavailableError)) throw err;
    ctx.stderr.write(`${err.message}${err instanceof StateUnavailableError ? " (state.backend redis: is the server up? Nothing was changed.)" : ""}\n`);
    return EXIT.failure;
  }
}

/** The configured backend; the state files when the config cannot be read (pairing must stay manageable then). */
async function stateBackend(ctx: CliContext): Promise<StateBackend> {
  try {
    const runtime = await loadRuntime({ processEnv: ctx.env, configFlag: ctx.configFlag, configMayBeMissing: true });
    return openStateBackend(runtime.config, runtime.paths, runtime.env);
  } catch (err) {
    const paths = resolvePaths(ctx.env, ctx.configFlag);
    ctx.stderr.write(`Cannot read the config (${(err instanceof Error ? err.message : String(err)).split("\n")[0]}); using the pairing files under ${paths.stateDir}.\n`);
    return openStateBackend(BatonConfig.parse({}), paths, ctx.env);
  }
}

interface ChannelListing {
  channel: string;
  file: string;
  pending: PendingRequest[];
  approved: ApprovedSender[];
  error?: string;
}

async function list(state: StateBackend, options: PairingOptions, ctx: CliContext): Promise<number> {
  const now = Date.now();
  const channels = options.channel ? [options.channel] : await state.pairingChannels();
  const listings: ChannelListing[] = [];
  for (const channel of channels) {
    const repository = state.pairing(channel);
    const file = repository.location;
    try {
      const data = await repository.read();
      listings.push({ channel, file, pending: livePending(data, now), approved: data.approved });
    } catch (err) {
      if (!(err instanceof PairingStoreError)) throw err;
      listings.push({ channel, file, pending: [], approved: [], error: err.message });
    }
  }
  const failed = listings.filter((l) => l.error);
  for (const listing of failed) ctx.stderr.write(`${listing.error}\n`);
  if (options.json) {
    printJson(ctx, {
      channels: listings.map(({ channel, file, pending, approved, error }) => ({
        channel,
        file,
        pending: pending.map((p) => ({ code: p.code, userId: p.userId, name: p.name ?? null, createdAt: p.createdAt, expiresAt: p.expiresAt })),
        approved: approved.map((a) => ({ userId: a.userId, name: a.name ?? null, approvedAt: a.approvedAt })),
        ...(error ? { error } : {}),
      })),
    });
  } else {
    ctx.stdout.write(render(listings.filter((l) => !l.error), now, createStyle(ctx.color)));
  }
  return failed.length ? EXIT.failure : EXIT.ok;
}

function render(listings: ChannelListing[], now: number, style: ReturnType<typeof createStyle>): string {
  if (!listings.length) return "No pairing requests or approvals yet. Strangers who DM the bot get a code to pass on to you.\n";
  const lines: string[] = [];
  for (const { channel, file, pending, approved } of listings) {
    lines.push(`${style.bold(channel)}  ${style.dim(file)}`);
    if (pending.length) {
      lines.push("  pending:");
      const rows = [["    CODE", "USER", "NAME", "EXPIRES IN"].map((h) => style.dim(h))];
      for (const p of pending) rows.push([`    ${p.code}`, p.userId, p.name ?? "-", formatDuration(p.expiresAt - now)]);
      lines.push(table(rows));
      lines.push(style.dim(`  approve with: baton pairing approve ${channel} <CODE>`));
    } else {
      lines.push(style.dim("  no pending requests"));
    }
    if (approved.length) {
      lines.push("  approved:");
      const rows = [["    USER", "NAME", "APPROVED"].map((h) => style.dim(h))];
      for (const a of approved) rows.push([`    ${a.userId}`, a.name ?? "-", new Date(a.approvedAt).toISOString()]);
      lines.push(table(rows));
    } else {
      lines.push(style.dim("  nobody approved"));
    }
  }
  return `${lines.join("\n")}\n`;
}

async function approve(state: StateBackend, channel: string, code: string, ctx: CliContext): Promise<number> {
  const outcome = await state.pairing(channel).update((data) => approvePairing(data, code, Date.now()));
  if (!outcome.ok) {
    const why = outcome.reason === "expired" ? "has expired (codes are valid for 1 hour); ask them to message the bot again for a new one" : "is not pending";
    ctx.stderr.write(`Code ${code.trim()} on ${channel} ${why}. See \`baton pairing list --channel ${channel}\`.\n`);
    return EXIT.failure;
  }
  const who = `${outcome.sender.userId}${outcome.sender.name ? ` (${outcome.sender.name})` : ""}`;
  ctx.stdout.write(
    outcome.alreadyApproved
      ? `${channel} user ${who} was already approved.\n`
      : `Approved ${channel} user ${who}: the bot answers their DMs from their next message (no restart needed).\n`,
  );
  return EXIT.ok;
}

async function revoke(state: StateBackend, channel: string, userId: string, ctx: CliContext): Promise<number> {
  const removed = await state.pairing(channel).update((data) => revokePairing(data, userId.trim()));
  if (!removed) {
    ctx.stderr.write(`${channel} user ${userId} has no approved pairing. See \`baton pairing list --channel ${channel}\` (ids in channels.${channel}.allowFrom are removed in the config).\n`);
    return EXIT.failure;
  }
  ctx.stdout.write(`Revoked ${channel} user ${userId}: the bot no longer answers their DMs (they can ask for a new code).\n`);
  return EXIT.ok;
}
