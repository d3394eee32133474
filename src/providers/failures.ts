/**
 * What every provider's error mapping shares: digging the socket code and the telling message
 * out of an SDK error's causes, and assembling the classified {@link ProviderError}.
 */
import type { FailureClass, FailureInfo } from "../auth/types.js";
import { ProviderError } from "./types.js";

/** The first string `code` on the error or its causes (undici puts socket codes on `cause`). */
export function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost cause's message: "other side closed" says more than "fetch failed". */
export function rootMessage(err: unknown): string | undefined {
  let message: string | undefined;
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

/** What a failure without an SDK error type says: its socket code and innermost message. */
export function genericFailureInfo(err: unknown): FailureInfo {
  const code = causeCode(err);
  const message = rootMessage(err) ?? String(err);
  return code ? { code, message } : { message };
}

/** The ProviderError: `summary`, then the (already redacted) `detail` unless the summary says it; the info's fields as details. */
export function classifiedError(info: FailureInfo, summary: string, detail: string, failureClass: FailureClass): ProviderError {
  const message = detail && !summary.includes(detail) ? `${summary}: ${detail}` : summary;
  const details: ProviderError["details"] = {};
  if (info.status !== undefined) details.status = info.status;
  if (info.errorType) details.errorType = info.errorType;
  if (info.retryAfterMs !== undefined) details.retryAfterMs = info.retryAfterMs;
  if (info.code) details.code = info.code;
  return new ProviderError(message, failureClass, details);
}
