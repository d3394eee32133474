import { maskSecret } from "../util/mask.js";

/**
 * Checks a pasted or typed credential before anything is saved. Pure. Refusals say what is wrong
 * without echoing the value (at most its masked form).
 *
 * Anthropic setup-tokens start `sk-ant-oat01-` and are at least {@link SETUP_TOKEN_MIN_LENGTH}
 * characters; Anthropic API keys start `sk-ant-` and are at least {@link API_KEY_MIN_LENGTH}
 * (real ones are ~108; 40 catches a half-copied key without guessing the exact format). OpenRouter
 * keys are stored as API keys (see {@link validateOpenRouter}). Other providers' values only need to be non-empty, single-line, untruncated and at least
 * {@link GENERIC_MIN_LENGTH} characters.
 */

export const SETUP_TOKEN_PREFIX = "sk-ant-oat01-";
export const SETUP_TOKEN_MIN_LENGTH = 80;
export const ANTHROPIC_KEY_PREFIX = "sk-ant-";
export const OPENROUTER_KEY_PREFIX = "sk-or-";
export const API_KEY_MIN_LENGTH = 40;
export const GENERIC_MIN_LENGTH = 16;

/** What the value is supposed to be. `credential` = whatever paste-token accepts for the provider. */
export type SecretKind = "setup-token" | "api-key" | "credential";

export type SecretCheck =
  | { ok: true; value: string; /** what the value turned out to be */ type: "api_key" | "token" }
  | { ok: false; problem: string };

/** Validates `raw` (surrounding whitespace and a trailing newline are trimmed first). */
export function validateSecret(provider: string, kind: SecretKind, raw: string): SecretCheck {
  const value = raw.trim();
  if (!value) return refuse("the value is empty");
  const inner = value.search(/\s/);
  if (inner >= 0) {
    return refuse(`the value contains whitespace at character ${inner + 1} of ${value.length} (a line break from pasting?); paste it as one line`);
  }
  if (/(…|\.\.\.)$/.test(value)) return refuse(`the value ends in "…" or "..." (${maskSecret(value)}), so it looks truncated; copy the whole value`);
  if (value.includes("…")) {
    return refuse(`the value contains "…" (${maskSecret(value)}), so it is a masked display, not the secret itself`);
  }

  if (provider === "anthropic") return validateAnthropic(kind, value);
  if (kind === "setup-token") return refuse(`setup-tokens are for the anthropic provider, not ${provider}`);
  if (provider === "openrouter") return validateOpenRouter(value);
  if (value.length < GENERIC_MIN_LENGTH) return refuse(`the value is only ${value.length} characters; that is too short for a ${provider} credential`);
  return { ok: true, value, type: kind === "credential" ? "token" : "api_key" };
}

function validateAnthropic(kind: SecretKind, value: string): SecretCheck {
  const looksLikeSetupToken = value.startsWith(SETUP_TOKEN_PREFIX);
  const wantsSetupToken = kind === "setup-token" || (kind === "credential" && value.startsWith("sk-ant-oat"));
  if (wantsSetupToken) {
    if (!looksLikeSetupToken) {
      return refuse(`an Anthropic setup-token starts with "${SETUP_TOKEN_PREFIX}" (this one starts "${value.slice(0, 8)}"); create one with \`claude setup-token\``);
    }
    if (value.length < SETUP_TOKEN_MIN_LENGTH) {
      return refuse(`the setup-token is ${value.length} characters; a complete one has at least ${SETUP_TOKEN_MIN_LENGTH}, so it looks cut off`);
    }
    return { ok: true, value, type: "token" };
  }
  if (!value.startsWith(ANTHROPIC_KEY_PREFIX)) {
    const expected = kind === "api-key" ? "An Anthropic API key" : "An Anthropic API key or setup-token";
    return refuse(`${expected} starts with "${ANTHROPIC_KEY_PREFIX}" (this one starts "${value.slice(0, 3)}")`);
  }
  if (looksLikeSetupToken && kind === "api-key") {
    return refuse(`this is a setup-token ("${SETUP_TOKEN_PREFIX}..."), not an API key; use \`--auth-choice setup-token\` or \`baton models auth paste-token --provider anthropic\``);
  }
  if (value.length < API_KEY_MIN_LENGTH) {
    return refuse(`the API key is ${value.length} characters; a complete one has at least ${API_KEY_MIN_LENGTH}, so it looks cut off`);
  }
  return { ok: true, value, type: "api_key" };
}

/**
 * OpenRouter issues API keys (`sk-or-v1-` and 64 hex digits); whatever is pasted for it is stored
 * as an `api_key`. A key of another shape is accepted (an OpenRouter-compatible endpoint may issue
 * its own), but never an Anthropic credential, and never a cut-off `sk-or-` key.
 */
function validateOpenRouter(value: string): SecretCheck {
  if (value.startsWith(ANTHROPIC_KEY_PREFIX)) {
    return refuse(`this is an Anthropic credential ("${ANTHROPIC_KEY_PREFIX}..."), not an OpenRouter key; create one at https://openrouter.ai/settings/keys, or store it with \`baton models auth paste-token --provider anthropic\``);
  }
  if (value.startsWith(OPENROUTER_KEY_PREFIX) && value.length < API_KEY_MIN_LENGTH) {
    return refuse(`the OpenRouter key is ${value.length} characters; a complete one has at least ${API_KEY_MIN_LENGTH}, so it looks cut off`);
  }
  if (value.length < GENERIC_MIN_LENGTH) return refuse(`the value is only ${value.length} characters; that is too short for an OpenRouter key`);
  return { ok: true, value, type: "api_key" };
}

function refuse(problem: string): SecretCheck {
  return { ok: false, problem: `${problem}. Nothing was saved.` };
}
