import { CODE_TTL_MS } from "./requests.js";

/** What a stranger is told in a DM under `dmPolicy: "pairing"` (Markdown; the router formats it). */
export function pairingCodeReply(channel: string, code: string): string {
  const hours = CODE_TTL_MS / 3_600_000;
  return [
    "This bot only answers people its owner has approved.",
    `Your pairing code: \`${code}\` (valid for ${hours} hour${hours === 1 ? "" : "s"}).`,
    `Ask the owner to run: \`baton pairing approve ${channel} ${code}\``,
  ].join("\n");
}

/** When the channel already holds the maximum of pending requests. */
export function pairingFullReply(): string {
  return "This bot has too many pending pairing requests right now; try again later.";
}
