import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Who may see the status page: `gateway.http.token` as a bearer token or `?token=`. */
export type PageAccess = "granted" | "no_token_configured" | "unauthorized";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * A check of the status page's token. Compares SHA-256 digests in constant time, so neither the
 * token's length nor its prefix leaks through timing. Without a configured token nobody gets in
 * (the page answers 404: it does not exist).
 * @example pageAccess("s3cret")({ authorization: "Bearer s3cret" }, new URLSearchParams()) // "granted"
 */
export function pageAccess(token: string | undefined): (headers: IncomingHttpHeaders, query: URLSearchParams) => PageAccess {
  if (!token) return () => "no_token_configured";
  const expected = digest(token);
  const matches = (candidate: string | undefined | null) => typeof candidate === "string" && timingSafeEqual(digest(candidate), expected);
  return (headers, query) => {
    const bearer = /^Bearer[ \t]+(.+?)[ \t]*$/i.exec(typeof headers.authorization === "string" ? headers.authorization : "")?.[1];
    // both are checked whatever the first gave, to keep the time the same
    const viaHeader = matches(bearer);
    const viaQuery = matches(query.get("token"));
    return viaHeader || viaQuery ? "granted" : "unauthorized";
  };
}
