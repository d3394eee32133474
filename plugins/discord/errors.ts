/**
 * Text for anything thrown, for logs and error messages. Never throws: a peer's error may
 * be any value (a REST body without `message`, a string, null, an object whose getters throw).
 *
 * @example errorText(new Error("boom")) // "boom"
 * @example errorText(undefined) // "unknown error"
 */
export function errorText(error: unknown): string {
  try {
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code;
      const status = (error as { status?: unknown }).status;
      const detail = [typeof status === "number" ? `HTTP ${status}` : "", typeof code === "number" || typeof code === "string" ? `code ${code}` : ""].filter(Boolean).join(", ");
      const message = typeof error.message === "string" && error.message ? error.message : error.name || "error";
      return detail && !message.includes(detail) ? `${message} (${detail})` : message;
    }
    if (typeof error === "string") return error || "unknown error";
    if (error === undefined || error === null) return "unknown error";
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string" && message) return message;
    return JSON.stringify(error) ?? String(error);
  } catch {
    return "unknown error (it could not be described)";
  }
}
