import { parseModelRef } from "../../agents/catalog.js";
import type { DescribedProfile } from "../../auth/status.js";
import { allowedModels, describeModel, lookupModel, type AllowedModel } from "../../agents/model-choice.js";
import { loadCatalog } from "../../agents/model-catalog-cache.js";
import { lifecycleMark, lifecycleOf, mergeCatalog } from "../../agents/model-catalog.js";
import { providersInUse } from "../../agents/model-fetchers.js";
import { replacementFor } from "../../agents/catalog.js";
import { providerEntry } from "../../providers/registry.js";
import type { CommandChoice } from "../../plugin-api.js";
import { formatDuration } from "../../util/duration.js";
import { canPinProfile, canRunPrivilegedCommands } from "../access.js";
import { modelArgsToText, parseModelCommand } from "./model-args.js";
import type { CommandContext, CommandDefinition, CommandReply } from "./registry.js";

/** A profile as /model shows it: never a whole secret. */
export interface ProfileView {
  profileId: string;
  type: string;
  maskedSecret: string;
  usable: boolean;
  /** cooldown, disabled, rejected, expired, budget, missing (see `baton models status --json`). */
  kind?: string;
  reason?: string;
  until?: number | null;
  remainingMs?: number | null;
}

export interface CredentialView {
  /** In order. */
  profiles: ProfileView[];
  /** Stored profiles of the provider the order leaves out: only used when pinned. */
  outsideOrder: ProfileView[];
  /** The profile the next call would use (the pin when pinned), or null when none can answer. */
  nextProfileId: string | null;
  /** What the resolver would tell the user when none can answer. */
  unavailableMessage?: string;
}

export async function credentialView(ctx: Omit<CommandContext, "args">, provider: string, model: string, pinnedProfileId?: string): Promise<CredentialView> {
  const resolver = await ctx.runtime.resolver(ctx.agentId);
  const described = await resolver.describe(provider, model);
  const view = (p: DescribedProfile): ProfileView => ({ profileId: p.profileId, type: p.type, maskedSecret: p.secret, usable: p.usable, kind: p.kind, reason: p.reason, until: p.until, remainingMs: p.remainingMs });
  return {
    profiles: described.profiles.map(view),
    outsideOrder: described.outsideOrder.map(view),
    nextProfileId: pinnedProfileId ?? described.next,
    unavailableMessage: described.message,
  };
}

function modelsFor(ctx: Omit<CommandContext, "args">): AllowedModel[] {
  const settings = ctx.runtime.settings(ctx.agentId);
  return allowedModels(settings.models, undefined, Date.now(), [settings.primary, ...settings.fallbacks]);
}

/**
 * The models with the providers' cached lists merged in (never the network: chat does not wait
 * on it; `baton models list --refresh` fetches). `cacheProblem`: a cache file could not be read.
 */
async function cachedModelsFor(ctx: Omit<CommandContext, "args">): Promise<{ models: AllowedModel[]; cacheProblem: boolean }> {
  const stateDir = ctx.runtime.runtime.paths.stateDir;
  const lists = await Promise.all(providersInUse(ctx.runtime, ctx.agentId).map((provider) => loadCatalog({ provider, stateDir })));
  const now = Date.now();
  const settings = ctx.runtime.settings(ctx.agentId);
  const models = allowedModels(settings.models, mergeCatalog(lists, now), now, [settings.primary, ...settings.fallbacks]);
  return { models, cacheProblem: lists.some((l) => l.problem) };
}

function lifeNote(m: AllowedModel): string {
  const mark = lifecycleMark({ endOfLife: m.endOfLife, retired: Boolean(m.retired) });
  return mark ? ` — ${m.retired ? `**${mark}**` : mark}` : "";
}

async function currentState(ctx: Omit<CommandContext, "args">) {
  const sessions = ctx.runtime.sessions(ctx.agentId);
  const session = await sessions.get(ctx.sessionKey);
  const effective = await sessions.modelFor(session, ctx.parentKey);
  return { session, effective };
}

function label(models: AllowedModel[], ref: string): string {
  const known = models.find((m) => m.ref === ref);
  return known ? describeModel(known) : ref;
}

async function show(ctx: CommandContext): Promise<CommandReply> {
  const models = modelsFor(ctx);
  const { session, effective } = await currentState(ctx);
  const source = effective.source === "agent" ? "agent default" : effective.source === "parent" ? "inherited from the parent chat" : "set for this chat";
  const lines = [`Model: **${label(models, effective.ref)}** (${source})`];
  lines.push(session.pinnedProfileId ? `Pinned profile: ${session.pinnedProfileId}` : "Profile: automatic (first available in order)");
  const life = lifecycleOf(effective.ref, undefined, Date.now());
  if (life.retired) lines.push(`This model is past its end of life${life.endOfLife ? ` (${life.endOfLife})` : ""}: requests to it fail. See \`/model list\`.`);
  if (!canRunPrivilegedCommands(ctx.config, ctx.message)) {
    // no switch buttons for a sender whose press would be refused
    lines.push("", "The bot's owners can switch models here; see `/model list` and `/model status`.");
    return { text: lines.join("\n") };
  }
  lines.push("", "Switch with `/model <name>`, pin a credential with `/model <name>@<profileId>`, see `/model list` and `/model status`.");
  const buttons = models.filter((m) => !m.retired).slice(0, 8).map((m) => [{ label: `${m.ref === effective.ref ? "✓ " : ""}${m.alias ?? parseModelRef(m.ref).model}`, command: `/model ${m.alias ?? m.ref}` }]);
  return { text: lines.join("\n"), buttons };
}

async function list(ctx: CommandContext): Promise<CommandReply> {
  const { models, cacheProblem } = await cachedModelsFor(ctx);
  const { effective } = await currentState(ctx);
  const lines = models.map((m) => `- ${m.alias ? `**${m.alias}** — ` : ""}\`${m.ref}\`${m.ref === effective.ref ? " (current)" : ""}${lifeNote(m)}`);
  const footer = ["", "Switch with `/model <name>`."];
  const current = models.find((m) => m.ref === effective.ref);
  if (current?.retired) footer.push(`This chat's model ${current.ref} is past its end of life; requests to it fail. Pick another with \`/model <name>\`.`);
  if (cacheProblem) footer.push("(The cached provider model list could not be read; the bot's owner can run `baton models list --refresh`.)");
  return { text: ["Models:", "", ...lines, ...footer].join("\n") };
}

function describeProfile(p: ProfileView, now: number, showSecrets: boolean): string {
  const what = showSecrets ? `${p.type}, ${p.maskedSecret}` : p.type;
  if (p.usable) return `${p.profileId} (${what}) ${p.kind === "rejected" ? "rejected last time; tried after the others" : "ok"}`;
  const left = p.until ? ` for ${formatDuration(p.remainingMs ?? p.until - now)}` : "";
  const why = !p.kind ? (p.reason ?? "unusable") : !p.reason || p.kind === p.reason || p.kind === "missing" || p.kind === "expired" ? p.kind : `${p.kind} (${p.reason})`;
  return `${p.profileId} (${what}) ${why}${left}`;
}

/** Masked secrets and the endpoint are for DMs and privileged senders; a group sees profile ids and states only. */
function maySeeCredentialDetails(ctx: CommandContext): boolean {
  return ctx.message.chatKind === "dm" || canRunPrivilegedCommands(ctx.config, ctx.message);
}

async function status(ctx: CommandContext): Promise<CommandReply> {
  const models = modelsFor(ctx);
  const { session, effective } = await currentState(ctx);
  const settings = ctx.runtime.settings(ctx.agentId);
  const { provider, model } = parseModelRef(effective.ref);
  const view = await credentialView(ctx, provider, model, session.pinnedProfileId);
  const now = Date.now();
  const details = maySeeCredentialDetails(ctx);
  const next = [...view.profiles, ...view.outsideOrder].find((p) => p.profileId === view.nextProfileId);
  const lines = [
    `Model: ${label(models, effective.ref)} (${effective.source === "agent" ? "agent default" : effective.source === "parent" ? "inherited" : "session"})`,
    `Default: ${label(models, settings.primary)}`,
    `Agent: ${ctx.agentId}`,
    `Session: ${ctx.sessionKey}`,
    `Pinned profile: ${session.pinnedProfileId ? `${session.pinnedProfileId}${session.pinnedBy ? ` (by ${session.pinnedBy})` : ""}` : "none"}`,
    `Next credential: ${next && details ? `${next.profileId} (${next.maskedSecret})` : view.nextProfileId ?? "none available"}`,
    ...(details ? [`Endpoint: ${ctx.runtime.endpoint(provider)}`] : []),
    "",
    "Profile order:",
    "",
    ...(view.profiles.length ? view.profiles.map((p, i) => `${i + 1}. ${describeProfile(p, now, details)}`) : ["(no profiles)"]),
  ];
  if (view.outsideOrder.length) lines.push("", "Not in the order (used only when pinned):", "", ...view.outsideOrder.map((p) => `- ${describeProfile(p, now, details)}`));
  lines.push(...(await fallbackLines(ctx, effective.ref, Boolean(session.pinnedProfileId), details, now)));
  if (!details) lines.push("", "Masked secrets and the endpoint are shown to the bot's owners, or in a DM.");
  if (!view.nextProfileId && view.unavailableMessage) lines.push("", view.unavailableMessage);
  return { text: lines.join("\n"), ephemeral: true };
}

/** The agent's fallback models, each with the credential of its provider (which may be another one) the next call would use. */
async function fallbackLines(ctx: CommandContext, current: string, pinned: boolean, details: boolean, now: number): Promise<string[]> {
  const fallbacks = ctx.runtime.settings(ctx.agentId).fallbacks.filter((ref) => ref !== current);
  if (!fallbacks.length) return [];
  const lines = ["", pinned ? "Fallbacks (not used while a profile is pinned):" : "Fallbacks, in order, when no profile above can answer:", ""];
  for (const ref of fallbacks) {
    const { provider, model } = parseModelRef(ref);
    const view = await credentialView(ctx, provider, model);
    const next = [...view.profiles, ...view.outsideOrder].find((p) => p.profileId === view.nextProfileId);
    const credential = next ? describeProfile(next, now, details) : `no ${provider} credential available now`;
    lines.push(`- ${ref}: ${credential}${details && provider !== parseModelRef(current).provider ? ` via ${ctx.runtime.endpoint(provider)}` : ""}`);
  }
  return lines;
}

async function setModel(ctx: CommandContext, requested: string | undefined, profileId: string | undefined): Promise<CommandReply | null> {
  const models = modelsFor(ctx);
  const { effective } = await currentState(ctx);
  let chosen: string = effective.ref;
  if (requested) {
    // without an allowlist the catalog only suggests: any model of a provider Baton can call may be named by full ref
    const open = Object.keys(ctx.runtime.settings(ctx.agentId).models).length === 0;
    const found = lookupModel(requested, models, { acceptRefOf: (provider) => open && providerEntry(provider) !== undefined });
    if (found.kind === "ambiguous") {
      return { text: `"${requested}" matches several models: ${found.candidates.map(describeModel).join(", ")}. Which one?`, ephemeral: true };
    }
    if (found.kind === "unknown") {
      const hint = found.suggestions.length ? ` Allowed: ${found.suggestions.map(describeModel).join(", ")}.` : "";
      return { text: `Unknown model "${requested}".${hint} See \`/model list\`.`, ephemeral: true };
    }
    chosen = found.model.ref;
    const { models: known } = await cachedModelsFor(ctx);
    const life = known.find((m) => m.ref === chosen) ?? found.model;
    if (life.retired) {
      // the current model of the same line, when this chat may use it
      const line = replacementFor(chosen);
      const instead = line && known.find((m) => m.ref === line.ref && !m.retired);
      const suggestion = instead ? ` Try ${describeModel(instead)}.` : "";
      return { text: `${chosen} reached its end of life${life.endOfLife ? ` on ${life.endOfLife}` : ""}; requests to it fail.${suggestion}`, ephemeral: true };
    }
  }
  let pin: { profileId: string; by: string } | null = null;
  if (profileId) {
    if (!canPinProfile(ctx.config, ctx.message, profileId)) {
      // silent in a group (the router still answers a native command)
      return ctx.message.chatKind === "dm" ? { text: `You are not allowed to pin profile ${profileId}.`, ephemeral: true } : null;
    }
    const { provider, model } = parseModelRef(chosen);
    const profileProvider = profileId.slice(0, profileId.indexOf(":"));
    if (profileProvider !== provider) {
      return { text: `Profile ${profileId} is for ${profileProvider}, but ${chosen} uses ${provider}.`, ephemeral: true };
    }
    const view = await credentialView(ctx, provider, model);
    const pinnable = [...view.profiles, ...view.outsideOrder];
    const target = pinnable.find((p) => p.profileId === profileId);
    if (!target || target.reason === "missing_secret") {
      const known = pinnable.filter((p) => p.reason !== "missing_secret").map((p) => p.profileId);
      const add = `\`baton models auth paste-token --provider ${provider} --profile-id ${profileId}\``;
      return {
        text: `No credentials found for profile ${profileId} (agent ${ctx.agentId}).${known.length ? ` Profiles: ${known.join(", ")}.` : ""} Add it with ${add}.`,
        ephemeral: true,
      };
    }
    pin = { profileId, by: `${ctx.message.channel}:${ctx.message.senderId}` };
  }
  await ctx.runtime.sessions(ctx.agentId).setModel(ctx.sessionKey, { model: chosen, pin });
  const name = label(models, chosen);
  return { text: pin ? `Model set to ${name}, pinned to profile ${pin.profileId} for this chat.` : `Model set to ${name} for this chat.` };
}

export const modelCommand: CommandDefinition = {
  name: "model",
  description: "Show, list or switch the model; pin a credential with model@profile",
  args: [
    { name: "model", description: "Model alias or id (e.g. opus, anthropic/claude-sonnet-5-5)", autocomplete: true },
    { name: "profile", description: "Auth profile to pin (e.g. anthropic:work)", autocomplete: true },
    {
      name: "view",
      description: "Show the model list or the full status",
      choices: [
        { name: "list", value: "list" },
        { name: "status", value: "status" },
        { name: "default (clear override and pin)", value: "default" },
      ],
    },
  ],
  privileged(args) {
    const parsed = parseModelCommand(args);
    return parsed.kind === "set" || parsed.kind === "default";
  },
  async permitsUnprivileged(ctx) {
    if (parseModelCommand(ctx.args).kind !== "default") return false;
    const { pinnedBy } = await ctx.runtime.sessions(ctx.agentId).get(ctx.sessionKey);
    // older sessions stored the bare sender id
    return pinnedBy === `${ctx.message.channel}:${ctx.message.senderId}` || pinnedBy === ctx.message.senderId;
  },
  argsFromNative: modelArgsToText,
  async run(ctx) {
    const parsed = parseModelCommand(ctx.args);
    switch (parsed.kind) {
      case "show":
        return show(ctx);
      case "list":
        return list(ctx);
      case "status":
        return status(ctx);
      case "default": {
        await ctx.runtime.sessions(ctx.agentId).setModel(ctx.sessionKey, { model: null, pin: null });
        const { effective } = await currentState(ctx);
        return { text: `Back to the default model ${label(modelsFor(ctx), effective.ref)}; no pinned profile.` };
      }
      case "set":
        return setModel(ctx, parsed.model, parsed.profileId);
      case "invalid":
        return { text: parsed.reason, ephemeral: true };
    }
  },
  async complete(arg, value, ctx): Promise<CommandChoice[]> {
    const typed = value.trim().toLowerCase();
    if (arg === "model") {
      return modelsFor(ctx)
        .filter((m) => !typed || m.ref.toLowerCase().includes(typed) || m.alias?.toLowerCase().includes(typed))
        .slice(0, 25)
        .map((m) => ({ name: describeModel(m), value: m.alias ?? m.ref }));
    }
    if (arg === "profile") {
      // the model option being typed is not known here: offer the profiles of every provider the chat may pick (its model's first)
      const { effective } = await currentState(ctx);
      const settings = ctx.runtime.settings(ctx.agentId);
      const refs = new Map<string, string>();
      for (const ref of [effective.ref, settings.primary, ...settings.fallbacks]) {
        const { provider, model } = parseModelRef(ref);
        if (!refs.has(provider)) refs.set(provider, model);
      }
      const views = await Promise.all([...refs].map(([provider, model]) => credentialView(ctx, provider, model)));
      return views
        .flatMap((view) => [...view.profiles, ...view.outsideOrder])
        .filter((p) => canPinProfile(ctx.config, ctx.message, p.profileId))
        .filter((p) => !typed || p.profileId.toLowerCase().includes(typed))
        .slice(0, 25)
        .map((p) => ({ name: `${p.profileId}${p.usable ? "" : ` (${p.reason ?? "unusable"})`}`, value: p.profileId }));
    }
    return [];
  },
};
