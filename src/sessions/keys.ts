import type { InboundMessage } from "../plugin-api.js";

export interface SessionKeys {
  key: string;
  /** The session whose model a thread/topic inherits until it sets its own. */
  parentKey?: string;
}

/**
 * Session keys: a DM is `<channel>:dm:<senderId>`, a group or channel chat
 * `<channel>:<chatKind>:<chatId>`, a forum topic `…:topic:<topicId>` (its parent is the group), a
 * thread its own chat whose parent is `parentChatId`; the console `console:<name>` (a name that is
 * already a session key is used as is).
 */
export function sessionKeysFor(message: Pick<InboundMessage, "channel" | "chatKind" | "chatId" | "senderId" | "topicId" | "parentChatId">): SessionKeys {
  const { channel } = message;
  if (channel === "console") {
    return { key: message.chatId.includes(":") ? message.chatId : `console:${message.chatId}` };
  }
  if (message.chatKind === "dm") return { key: `${channel}:dm:${message.senderId}` };
  const base = `${channel}:${message.chatKind}:${message.chatId}`;
  if (message.topicId) return { key: `${base}:topic:${message.topicId}`, parentKey: base };
  if (message.parentChatId) return { key: base, parentKey: `${channel}:${message.chatKind}:${message.parentChatId}` };
  return { key: base };
}
