import type { BatonConfig } from "../config/schema.js";
import type { InboundMessage } from "../plugin-api.js";

export type AccessDecision = { allowed: true } | { allowed: false; reason: "not_allowed" | "group_disabled" | "not_mentioned" };

function listAllows(list: readonly string[] | undefined, senderId: string, channel: string): boolean {
  if (!list) return true;
  return list.some((entry) => entry === "*" || entry === senderId || entry === `${channel}:${senderId}`);
}

function channelSection(config: BatonConfig, channel: string): Record<string, any> | undefined {
  return (config.channels as Record<string, any> | undefined)?.[channel];
}

/**
 * Who may talk to the bot, where (DESIGN.md §6, docs/CONFIG.md): `channels.<id>.allowFrom` for
 * DMs (unset = everyone), group/guild policy and per-group allowFrom, and mention gating in
 * groups (`requireMention`, default true). Pure.
 */
export function checkAccess(config: BatonConfig, message: InboundMessage): AccessDecision {
  const section = channelSection(config, message.channel) ?? {};
  if (message.chatKind === "dm") {
    return listAllows(section.allowFrom, message.senderId, message.channel) ? { allowed: true } : { allowed: false, reason: "not_allowed" };
  }
  const policy: string = section.groupPolicy ?? section.guildPolicy ?? "open";
  const groups: Record<string, any> | undefined = section.groups ?? section.guilds;
  const groupKey = message.channel === "discord" ? message.guildId : message.chatId;
  const group = groupKey ? groups?.[groupKey] : undefined;
  if (policy === "disabled" || group?.enabled === false) return { allowed: false, reason: "group_disabled" };
  if (policy === "allowlist" && !group) return { allowed: false, reason: "group_disabled" };
  if (group?.channels && !group.channels.includes(message.parentChatId ?? message.chatId) && !group.channels.includes(message.chatId)) {
    return { allowed: false, reason: "group_disabled" };
  }
  if (!listAllows(group?.allowFrom, message.senderId, message.channel)) return { allowed: false, reason: "not_allowed" };
  const requireMention: boolean = group?.requireMention ?? section.requireMention ?? true;
  if (requireMention && !message.mentioned) return { allowed: false, reason: "not_mentioned" };
  return { allowed: true };
}

/** May this sender change session state (switch models, pin profiles, reset)? `commands.allowFrom` unset = yes. */
export function canRunPrivilegedCommands(config: BatonConfig, message: Pick<InboundMessage, "senderId" | "channel">): boolean {
  return listAllows(config.commands?.allowFrom, message.senderId, message.channel);
}

/** May this sender pin this profile? Needs `commands.allowFrom` and the profile's `allowedUsers` when set. */
export function canPinProfile(config: BatonConfig, message: Pick<InboundMessage, "senderId" | "channel">, profileId: string): boolean {
  if (!canRunPrivilegedCommands(config, message)) return false;
  return listAllows(config.auth?.profiles?.[profileId]?.allowedUsers, message.senderId, message.channel);
}
