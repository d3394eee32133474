import type { RecordedRequest } from "./types.js";

/** Readers for requests the fake recorded, for assertions. */

/** The `model` of a recorded Messages API request. */
export function requestModel(request: RecordedRequest): string {
  return (request.body as { model: string }).model;
}

/** Roles of a recorded request's messages, e.g. ["user", "assistant", "user"]. */
export function requestRoles(request: RecordedRequest): string[] {
  return (request.body as { messages: { role: string }[] }).messages.map((m) => m.role);
}

/** Text of the last user message of a recorded request. */
export function lastUserText(request: RecordedRequest): string {
  const messages = (request.body as { messages: { role: string; content: string | { type: string; text?: string }[] }[] }).messages;
  const last = messages.filter((m) => m.role === "user").at(-1);
  if (!last) return "";
  return typeof last.content === "string" ? last.content : last.content.map((b) => b.text ?? "").join("");
}

/** Image blocks of the last user message of a recorded request: media type and decoded size. */
export function lastUserImages(request: RecordedRequest): { mediaType: string; bytes: number }[] {
  type Block = { type: string; source?: { media_type?: string; data?: string } };
  const messages = (request.body as { messages: { role: string; content: string | Block[] }[] }).messages;
  const last = messages.filter((m) => m.role === "user").at(-1);
  if (!last || typeof last.content === "string") return [];
  return last.content
    .filter((b) => b.type === "image")
    .map((b) => ({ mediaType: b.source?.media_type ?? "", bytes: Buffer.from(b.source?.data ?? "", "base64").length }));
}
