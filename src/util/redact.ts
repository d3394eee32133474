import { maskSecret } from "./mask.js";

/**
 * Things that look like secrets: provider keys and tokens (`sk-...`), bot tokens of the form
 * `<numeric id>:<secret>` (`123456:AA...`), and other long opaque runs (OAuth tokens, other bot tokens).
 */
const SECRET_PATTERN = /\bsk-[A-Za-z0-9_-]{8,}|\b\d{6,}:[A-Za-z0-9_-]{30,}|\b[A-Za-z0-9_.-]{40,}\b/g;

/** Masks anything secret-looking in free text (provider error messages, parse errors, log lines) before it is shown or stored. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (match) => maskSecret(match));
}

/** Secrets shorter than this are not searched for: masking every "abc" would wreck the text and hide nothing. */
const MIN_SECRET_LENGTH = 6;

/**
 * `text` with every occurrence of each given secret, also in its percent-encoded form (as in a
 * request URL), replaced by its masked form (`maskSecret`). Never throws.
 *
 * @example redactKnown("GET /bot123456:AAbbccddeeffgghh/getMe", ["123456:AAbbccddeeffgghh"]) // "GET /bot123456:A…ffgghh…/getMe" (masked)
 */
export function redactKnown(text: string, secrets: readonly (string | undefined)[]): string {
  let out = typeof text === "string" ? text : String(text);
  const usable = secrets.filter((s): s is string => typeof s === "string" && s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of usable) {
    const masked = maskSecret(secret);
    out = out.split(secret).join(masked);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(masked);
  }
  return out;
}

/**
 * Text for a chat user about a server file: the state directory shows as `<state>`, the home
 * directory as `~`, and any other absolute path as `…/<file name>`, so replies never reveal the
 * server's layout or the OS user.
 */
export function hideServerPaths(text: string, stateDir: string, home = process.env.HOME ?? ""): string {
  let out = stateDir ? text.split(stateDir).join("<state>") : text;
  if (home && home !== "/") out = out.split(home).join("~");
  return out.replace(/(^|[\s'"(=])((?:\/[^\s/'"()]+)+\/([^\s/'"()]+))/g, (_m, lead: string, _path: string, name: string) => `${lead}…/${name}`);
}
