/**
 * Removes the bot's own mentions (`<@id>`, `<@!id>`, and its managed role `<@&id>`) from
 * message text, with the spaces that followed them, keeping other users' mentions.
 *
 * @example stripBotMention("<@42> what's up", "42", []) // "what's up"
 */
export function stripBotMention(content: string, botUserId: string, botRoleIds: readonly string[] = []): string {
  let text = content.replace(new RegExp(`<@!?${escapeRegExp(botUserId)}>[ \\t]*`, "g"), "");
  for (const roleId of botRoleIds) text = text.replace(new RegExp(`<@&${escapeRegExp(roleId)}>[ \\t]*`, "g"), "");
  return text.trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
