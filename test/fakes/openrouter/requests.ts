import type { RecordedRequest } from "./types.js";

/** Readers for chat completions requests the fake recorded, for assertions. */

interface ChatBody {
  model: string;
  messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
}

/** The `model` of a recorded request. */
export function requestModel(request: RecordedRequest): string {
  return (request.body as ChatBody).model;
}

/** Roles of a recorded request's messages, e.g. ["system", "user", "assistant", "user"]. */
export function requestRoles(request: RecordedRequest): string[] {
  return (request.body as ChatBody).messages.map((m) => m.role);
}

/** Text of the last user message of a recorded request. */
export function lastUserText(request: RecordedRequest): string {
  const last = (request.body as ChatBody).messages.filter((m) => m.role === "user").at(-1);
  if (!last) return "";
  return typeof last.content === "string" ? last.content : last.content.map((p) => p.text ?? "").join("");
}
