import type { ChannelAccessRules } from "../config/channel-catalog.js";
import { DEFAULT_DM_POLICY, DEFAULT_GROUP_POLICY, type BatonConfig } from "../config/schema.js";
import type { InboundMessage } from "../plugin-api.js";

/**
 * Who may talk to the bot, where, and who may change what (docs/CONFIG.md
 * "Access"). Pure: approvals from `baton pairing approve` are looked up by the router and
 * passed in.
 *
 * - DMs: `channels.<id>.allowFrom` ids are always served; others depend on `dmPolicy`
 *   (`pairing` by default: they are offered a pairing code).
 * - Groups: the group policy (`allowlist` by default: only the groups listed), a group's own
 *   `allowFrom`, and mention gating (`requireMention`). The keys they sit under (`groupPolicy`
 *   and `groups` unless the channel's plugin declares others) and which message field a listed
 *   group is keyed by come from `config.channelAccess`, filled in from the plugins' declarations.
 * - Privileged commands: `commands.allowFrom`; unset, the channel's owners (its `allowFrom`
 *   ids other than `"*"`) and local channels (the terminal).
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
       * - `group_not_listed`: a group missing from the allowlist (`configKey` says what to add).
       * - `group_disabled`: the group policy is `"disabled"`, or the group's `enabled: false`, or
       *   a chat outside the group entry's `channels`.
       * - `not_mentioned`: a group message that does not address the bot.
       */
      reason: "pairing" | "not_allowed" | "dm_disabled" | "group_not_listed" | "group_disabled" | "not_mentioned";
      /** An approved pairing would let this sender in: look it up and call again with `paired`. */
      pairable?: true;
      /** For `group_not_listed`: the config key that would allow the group, e.g. `channels.<id>.groups."-100123"`. */
      configKey?: string;
    };

/** How a channel without declared rules reads: groups keyed by chat id under `groups`. */
const PLAIN_RULES: ChannelAccessRules = { local: false, groupsKey: "groups", groupPolicyKey: "groupPolicy", groupIdFrom: "chatId" };

function rulesOf(config: BatonConfig, channel: string): ChannelAccessRules {
  return config.channelAccess?.[channel] ?? PLAIN_RULES;
}

/**
 * A local channel is the terminal of whoever runs Baton (`baton chat`, `baton agent`,
 * `baton gateway` without channels; its plugin declares `local`). That person can edit the
 * config and the state files anyway, so it is always served and privileged.
 */
export function isLocalChannel(config: BatonConfig, channel: string): boolean {
  return rulesOf(config, channel).local;
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
  if (isLocalChannel(config, message.channel)) return { allowed: true };
  const section = channelSection(config, message.channel);
  return message.chatKind === "dm" ? checkDm(section, message, paired) : checkGroup(section, rulesOf(config, message.channel), message);
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

function checkGroup(section: Record<string, any>, rules: ChannelAccessRules, message: InboundMessage): AccessDecision {
  const policy: string = section[rules.groupPolicyKey] ?? DEFAULT_GROUP_POLICY;
  const groups: Record<string, any> | undefined = section[rules.groupsKey];
  const groupKey = message[rules.groupIdFrom] ?? message.chatId;
  const group = Object.hasOwn(groups ?? {}, groupKey) ? groups![groupKey] : undefined;
  if (policy === "disabled" || group?.enabled === false) return { allowed: false, reason: "group_disabled" };
  if (policy === "allowlist" && !group) {
    return { allowed: false, reason: "group_not_listed", configKey: `channels.${message.channel}.${rules.groupsKey}.${JSON.stringify(groupKey)}` };
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
 * unset, the channel's owners. A local channel always may.
 */
export function canRunPrivilegedCommands(config: BatonConfig, sender: Sender): boolean {
  if (isLocalChannel(config, sender.channel)) return true;
  const commandsAllowFrom = config.commands?.allowFrom;
  return commandsAllowFrom ? listed(commandsAllowFrom, sender) : isOwner(config, sender);
}

/** May this sender pin this profile? Privileged, and in the profile's `allowedUsers` when set. */
export function canPinProfile(config: BatonConfig, sender: Sender, profileId: string): boolean {
  if (!canRunPrivilegedCommands(config, sender)) return false;
  if (isLocalChannel(config, sender.channel)) return true;
  const allowedUsers = config.auth?.profiles?.[profileId]?.allowedUsers;
  return !allowedUsers || listed(allowedUsers, sender);
}

/** Is a channel's DM access open to everyone (`dmPolicy: "open"` or `allowFrom` with `"*"`)? */
function dmsOpen(section: Record<string, any>): boolean {
  return section.dmPolicy === "open" || Boolean((section.allowFrom as string[] | undefined)?.includes("*"));
}

function groupsOpen(section: Record<string, any>, rules: ChannelAccessRules): boolean {
  return section[rules.groupPolicyKey] === "open";
}

export interface OpenChannel {
  channel: string;
  /** DMs from anyone are answered. */
  dms: boolean;
  /** Any group the bot is added to is answered. */
  groups: boolean;
  /** The key of its group policy (`groupPolicy` unless its plugin declares another). */
  groupPolicyKey: string;
}

/** Configured, enabled channels that answer anyone (in DMs, or in any group). */
export function openChannels(config: BatonConfig): OpenChannel[] {
  const open: OpenChannel[] = [];
  for (const [channel, section] of Object.entries((config.channels ?? {}) as Record<string, Record<string, any> | undefined>)) {
    const rules = rulesOf(config, channel);
    if (!section || section.enabled === false || rules.local) continue;
    const entry = { channel, dms: dmsOpen(section), groups: groupsOpen(section, rules), groupPolicyKey: rules.groupPolicyKey };
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
