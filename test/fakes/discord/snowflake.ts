/** Discord epoch (2015-01-01T00:00:00Z), the zero point of snowflake timestamps. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Makes strictly increasing Discord snowflakes: milliseconds since the Discord epoch
 * in the top bits and a 12-bit counter at the bottom, so discord.js derives a
 * sensible `createdTimestamp` from every id.
 */
export function createSnowflakeSource(): () => string {
  let lastMs = 0n;
  let counter = 0n;
  return () => {
    const now = BigInt(Date.now()) - DISCORD_EPOCH;
    if (now > lastMs) {
      lastMs = now;
      counter = 0n;
    } else if (++counter > 0xfffn) {
      lastMs += 1n;
      counter = 0n;
    }
    return ((lastMs << 22n) | counter).toString();
  };
}
