import { maskSecret } from "./mask.js";

/**
 * Things that look like secrets: provider keys and tokens (`sk-...`), Telegram bot tokens
 * (`123456:AA...`), and other long opaque runs (OAuth tokens, Discord bot tokens).
 */
const SECRET_PATTERN = /\bsk-[A-Za-z0-9_-]{8,}|\b\d{6,}:[A-Za-z0-9_-]{30,}|\b[A-Za-z0-9_.-]{40,}\b/g;

/** Masks anything secret-looking in free text (provider error messages, parse errors, log lines) before it is shown or stored. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (match) => maskSecret(match));
}
