/**
 * Headers Baton sends to OpenRouter besides the credential. Pure.
 *
 * App attribution (https://openrouter.ai/docs/app-attribution): `HTTP-Referer` identifies the app
 * and `X-Title` (newer name `X-OpenRouter-Title`; both are accepted) names it. A self-hosted Baton
 * has no public URL of its own, so the referer is `http://localhost`, which OpenRouter tracks when a
 * title is sent too. `models.providers.openrouter.headers` may replace any of them (your site's
 * URL, your bot's name); credential headers there are dropped, because credentials come only from
 * auth profiles. Headers from `OPENAI_CUSTOM_HEADERS` (meant for OpenAI) are cancelled.
 */

export const ATTRIBUTION_HEADERS: Readonly<Record<string, string>> = {
  "HTTP-Referer": "http://localhost",
  "X-Title": "Baton",
  "X-OpenRouter-Title": "Baton",
};

/** Header names that carry credentials; only Baton's auth profiles may set them. */
const CREDENTIAL_HEADERS = new Set(["authorization", "api-key", "x-api-key"]);

/** Names set by `OPENAI_CUSTOM_HEADERS` (one `Name: value` per line), as `null` so the SDK drops them. */
export function cancelEnvHeaders(raw: string | undefined): Record<string, null> {
  const out: Record<string, null> = {};
  for (const line of (raw ?? "").split("\n")) {
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    if (name) out[name] = null;
  }
  return out;
}

/**
 * Every header Baton adds to each call of one credential: attribution first, the user's headers
 * over it (matched case-insensitively), credential headers never from config, and the credential's
 * `Authorization` last, so no header from the environment can replace or remove it.
 */
export function defaultHeaders(apiKey: string, userHeaders: Record<string, string> | undefined, envCustomHeaders: string | undefined): Record<string, string | null> {
  const headers: Record<string, string | null> = { ...cancelEnvHeaders(envCustomHeaders) };
  const set = (name: string, value: string) => {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  };
  for (const [name, value] of Object.entries(ATTRIBUTION_HEADERS)) set(name, value);
  for (const [name, value] of Object.entries(userHeaders ?? {})) {
    if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) set(name, value);
  }
  set("Authorization", `Bearer ${apiKey}`);
  return headers;
}
