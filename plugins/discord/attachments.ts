/** Files attached to Discord messages, as the core takes them: downloaded from the CDN URL on demand. */
import { downloadCapped, type InboundAttachment } from "../../src/plugin-api.js";
import type { AttachmentFacts } from "./inbound.js";

const IMAGE_NAME = /\.(png|jpe?g|gif|webp|heic|heif|bmp|tiff?|avif|svg)$/i;

/** Image when Discord's content type says so, or (without one) by the file name. Pure. */
export function attachmentKind(facts: AttachmentFacts): "image" | "file" {
  if (facts.contentType) return facts.contentType.toLowerCase().startsWith("image/") ? "image" : "file";
  return IMAGE_NAME.test(facts.name) ? "image" : "file";
}

/** The message's files; each downloads at most the core's cap, ended early when the plugin stops. */
export function toAttachments(list: readonly AttachmentFacts[], lifetime: AbortSignal): InboundAttachment[] {
  return list.map((facts) => ({
    kind: attachmentKind(facts),
    name: facts.name,
    ...(facts.contentType ? { mimeType: facts.contentType.split(";")[0].trim() } : {}),
    ...(facts.size !== undefined ? { size: facts.size } : {}),
    fetch: ({ maxBytes, signal }) => downloadCapped(facts.url, { maxBytes, signal: signal ? AbortSignal.any([signal, lifetime]) : lifetime }),
  }));
}
