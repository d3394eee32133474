import type { BatonConfig } from "../config/schema.js";

/** Where the HTTP surface listens, from `gateway.http` and `--http-port`. Pure. */
export interface HttpSettings {
  host: string;
  port: number;
  token?: string;
}

export const DEFAULT_HTTP_HOST = "127.0.0.1";

/**
 * The settings, undefined when no port is set (no server), or an error for a malformed flag.
 * @example httpSettings("9100", {}) // { host: "127.0.0.1", port: 9100 }
 */
export function httpSettings(flag: string | undefined, http: BatonConfig["gateway"]["http"]): HttpSettings | undefined | { error: string } {
  let port = http?.port;
  if (flag !== undefined) {
    const trimmed = flag.trim();
    const parsed = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!(parsed >= 0 && parsed <= 65_535)) return { error: `--http-port must be a port number (0-65535), not "${flag.slice(0, 40)}"` };
    port = parsed;
  }
  if (port === undefined) return undefined;
  return { host: http?.host ?? DEFAULT_HTTP_HOST, port, ...(http?.token ? { token: http.token } : {}) };
}
