import { DEFAULT_DM_POLICY, DEFAULT_GROUP_POLICY, type BatonConfig } from "../config/schema.js";
import type { InboundMessage } from "../plugin-api.js";

/**
 * Who may talk to the bot, where, and who may change what (DESIGN.md §8, docs/CONFIG.md
 * "Access"). Pure: approvals from `baton pairing approve` are looked up by the router and
 * passed in.
 *
 * - DMs: `channels.<id>.allowFrom` ids are always served; others depend on `dmPolicy`
 *   (`pairing` by default: they are offered a pairing code).
 * - Groups: `groupPolicy` / `guildPolicy` (`allowlist` by default: only groups listed under
 *   `groups` / `guilds`), a group's own `allowFrom`, and mention gating (`requireMention`).
 * - Privileged commands: `commands.allowFrom`; unset, the channel's owners (its `allowFrom`
 *   ids other than `"*"`) and the console.
 */

type Sender = Pick<InboundMessage, "senderId" | "channel">;

export type DmPolicy = "pairing" | "allowlist" | "open" | "disabled";

export type AccessDecision =
  | { allowed: true }
  | {
      allowed: false;
      /**
       * - `pairing`: an unknown DM sender under `dmPolicy: "pairing"`; offer a pairing code.
       * - `not_allowed`: a DM sender outside the allowlist, or a sender outside a group's `allowFrom`.
       * - `dm_disabled`: `dmPolicy: "disabled"`.
       * - `group_not_listed`: a group/guild missing from the allowlist (`configKey` says what to add).
       * - `group_disabled`: `groupPolicy`/`guildPolicy` `"disabled"`, or the group's `enabled: false`,
       *   or a Discord channel outside the guild's `channels`.
       * - `not_mentioned`: a group message that does not address the bot.
       */
      reason: "pairing" | "not_allowed" | "dm_disabled" | "group_not_listed" | "group_disabled" | "not_mentioned";
      /** An approved pairing would let this sender in: look it up and call again with `paired`. */
      pairable?: true;
      /** For `group_not_listed`: the config key that would allow the group, e.g. `channels.telegram.groups."-100123"`. */
      configKey?: string;
    };

/**
 * The terminal of whoever runs Baton (`baton chat`, `baton agent`, `baton gateway` without
 * channels). It can edit the config and the state files anyway, so it is always served and
 * privileged.
 */
const LOCAL_CHANNELS: ReadonlySet<string> = new Set(["console"]);

export function isLocalChannel(channel: string): boolean {
  return LOCAL_CHANNELS.has(channel);
}

function entryMatches(entry: string, sender: Sender): boolean {
  return entry === "*" || entry === sender.senderId || entry === `${sender.channel}:${sender.senderId}`;
}

function listed(list: readonly string[] | undefined, sender: Sender): boolean {
  return Boolean(list?.some((entry) => entryMatches(entry, sender)));
}

function channelSection(config: BatonConfig, channel: string): Record<string, any> {
  return (config.channels as Record<string, any> | undefined)?.[channel] ?? {};
}

/** How a channel treats DMs; an old `allowFrom: ["*"]` is everyone listed, i.e. open. */
export function dmPolicyOf(config: BatonConfig, channel: string): DmPolicy {
  return channelSection(config, channel).dmPolicy ?? DEFAULT_DM_POLICY;
}

/**
 * May this message be handled? `paired`: the sender holds an approved pairing on this channel
 * (the router looks it up only when the decision says `pairable`).
 */
export function checkAccess(config: BatonConfig, message: InboundMessage, paired = false): AccessDecision {
  if (isLocalChannel(message.channel)) return { allowed: true };
  const section = channelSection(config, message.channel);
  return message.chatKind === "dm" ? checkDm(section, message, paired) : checkGroup(section, message);
}

function checkDm(section: Record<string, any>, message: InboundMessage, paired: boolean): AccessDecision {
  if (listed(section.allowFrom, message)) return { allowed: true };
  const policy: DmPolicy = section.dmPolicy ?? DEFAULT_DM_POLICY;
  switch (policy) {
    case "open":
      return { allowed: true };
    case "disabled":
      return { allowed: false, reason: "dm_disabled" };
    case "allowlist":
      return paired ? { allowed: true } : { allowed: false, reason: "not_allowed", pairable: true };
    case "pairing":
      return paired ? { allowed: true } : { allowed: false, reason: "pairing", pairable: true };
  }
}

function checkGroup(section: Record<string, any>, message: InboundMessage): AccessDecision {
  // Telegram names these groupPolicy/groups (keyed by chat id), Discord guildPolicy/guilds (keyed by guild id)
  const policy: string = section.groupPolicy ?? section.guildPolicy ?? DEFAULT_GROUP_POLICY;
  const listKey = message.guildId || section.guilds || section.guildPolicy ? "guilds" : "groups";
  const groups: Record<string, any> | undefined = section.groups ?? section.guilds;
  const groupKey = message.guildId ?? message.chatId;
  const group = groups?.[groupKey];
  if (policy === "disabled" || group?.enabled === false) return { allowed: false, reason: "group_disabled" };
  if (policy === "allowlist" && !group) {
    return { allowed: false, reason: "group_not_listed", configKey: `channels.${message.channel}.${listKey}.${JSON.stringify(groupKey)}` };
  }
  if (group?.channels && !group.channels.includes(message.parentChatId ?? message.chatId) && !group.channels.includes(message.chatId)) {
    return { allowed: false, reason: "group_disabled" };
  }
  if (group?.allowFrom && !listed(group.allowFrom, message)) return { allowed: false, reason: "not_allowed" };
  const requireMention: boolean = group?.requireMention ?? section.requireMention ?? true;
  if (requireMention && !message.mentioned) return { allowed: false, reason: "not_mentioned" };
  return { allowed: true };
}

/** The channel's owners: its `allowFrom` ids other than `"*"`. */
export function isOwner(config: BatonConfig, sender: Sender): boolean {
  const owners = (channelSection(config, sender.channel).allowFrom as string[] | undefined)?.filter((entry) => entry !== "*");
  return listed(owners, sender);
}

/**
 * May this sender change session state (switch models, pin profiles, `/model default`,
 * `/reset all`)? `commands.allowFrom` when set (`["*"]` opens it to everyone who may talk);
 * unset, the channel's owners. The console always may.
 */
export function canRunPrivilegedCommands(config: BatonConfig, sender: Sender): boolean {
  if (isLocalChannel(sender.channel)) return true;
  const commandsAllowFrom = config.commands?.allowFrom;
  return commandsAllowFrom ? listed(commandsAllowFrom, sender) : isOwner(config, sender);
}

/** May this sender pin this profile? Privileged, and in the profile's `allowedUsers` when set. */
export function canPinProfile(config: BatonConfig, sender: Sender, profileId: string): boolean {
  if (!canRunPrivilegedCommands(config, sender)) return false;
  if (isLocalChannel(sender.channel)) return true;
  const allowedUsers = config.auth?.profiles?.[profileId]?.allowedUsers;
  return !allowedUsers || listed(allowedUsers, sender);
}

/** Is a channel's DM access open to everyone (`dmPolicy: "open"` or `allowFrom` with `"*"`)? */
function dmsOpen(section: Record<string, any>): boolean {
  return section.dmPolicy === "open" || Boolean((section.allowFrom as string[] | undefined)?.includes("*"));
}

function groupsOpen(section: Record<string, any>): boolean {
  return (section.groupPolicy ?? section.guildPolicy) === "open";
}

export interface OpenChannel {
  channel: string;
  /** DMs from anyone are answered. */
  dms: boolean;
  /** Any group/guild the bot is added to is answered. */
  groups: boolean;
  /** The key of its group policy (`groupPolicy`, or `guildPolicy` for a guild-based channel). */
  groupPolicyKey: string;
}

/** Configured, enabled channels that answer anyone (in DMs, or in any group). */
export function openChannels(config: BatonConfig): OpenChannel[] {
  const open: OpenChannel[] = [];
  for (const [channel, section] of Object.entries((config.channels ?? {}) as Record<string, Record<string, any> | undefined>)) {
    if (!section || section.enabled === false || isLocalChannel(channel)) continue;
    const entry = { channel, dms: dmsOpen(section), groups: groupsOpen(section), groupPolicyKey: "guildPolicy" in section ? "guildPolicy" : "groupPolicy" };
    if (entry.dms || entry.groups) open.push(entry);
  }
  return open;
}

/** Are privileged commands open to everyone who may talk (`commands.allowFrom` holds `"*"`)? */
export function privilegedCommandsOpen(config: BatonConfig): boolean {
  return Boolean(config.commands?.allowFrom?.includes("*"));
}

/**
 * One warning per channel open to everyone (of `only`, when given), for the gateway's start-up
 * log (and `baton doctor`). Empty when every channel is restricted.
 */
export function openAccessWarnings(config: BatonConfig, only?: readonly string[]): string[] {
  const commandsOpen = privilegedCommandsOpen(config);
  return openChannels(config).filter(({ channel }) => !only || only.includes(channel)).map(({ channel, dms, groups, groupPolicyKey }) => {
    const where = [dms ? "DMs from anyone" : "", groups ? "any group it is added to" : ""].filter(Boolean).join(", ");
    const fixes = [dms ? 'dmPolicy "pairing" with your own ids in allowFrom (not "*")' : "", groups ? `${groupPolicyKey} "allowlist" listing the groups you use` : ""].filter(Boolean);
    const switching = commandsOpen ? '; commands.allowFrom is ["*"], so they can also switch models and pin credentials' : "";
    return `channels.${channel} is open to everyone (${where}): whoever finds the bot spends your credentials${switching}. To restrict it: ${fixes.join("; ")}.`;
  });
}
