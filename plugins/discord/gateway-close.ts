/**
 * Gateway close codes discord.js does not recover from (it stops the shard and emits
 * `shardDisconnect`), with what the owner has to do about each.
 */
const FATAL_CLOSE_CODES: ReadonlyMap<number, string> = new Map([
  [4004, "authentication failed: Discord refused the bot token"],
  [4010, "invalid shard"],
  [4011, "sharding required: the bot is in too many guilds for one connection"],
  [4012, "invalid API version"],
  [4013, "invalid intents"],
  [4014, "disallowed intents: enable the Message Content intent for this bot in the Discord Developer Portal"],
]);

/** Is this a close code after which discord.js gives up on the connection? */
export function isFatalCloseCode(code: number): boolean {
  return FATAL_CLOSE_CODES.has(code);
}

/**
 * Why the gateway connection ended for good, for logs and `ctx.fail`.
 *
 * @example closeReason(4014) // "gateway closed with 4014 (disallowed intents: enable the Message Content intent …)"
 */
export function closeReason(code: number): string {
  const meaning = FATAL_CLOSE_CODES.get(code);
  return meaning ? `gateway closed with ${code} (${meaning})` : `gateway closed with ${code}`;
}
