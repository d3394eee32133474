import { maskSecret } from "../util/mask.js";

/** Things that look like provider secrets: `sk-...` keys and tokens, long bearer-ish runs. */
const SECRET_PATTERN = /\bsk-[A-Za-z0-9_-]{8,}|\b[A-Za-z0-9_-]{40,}\b/g;

/** Masks anything secret-looking in free text (provider error messages, parse errors) before it is shown or stored. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (match) => maskSecret(match));
}
