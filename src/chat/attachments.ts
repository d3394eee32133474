/**
 * Files users send, made ready for the model: images of the types providers read, up to the
 * size cap, become image blocks; everything else is left out with a plain note for the sender.
 */
import type { InboundAttachment } from "../plugin-api.js";
import type { ImageBlock, ImageMediaType } from "../providers/types.js";
import { AttachmentTooLargeError } from "../util/download.js";

/** Anthropic's per-image limit and the types it reads (OpenRouter's models take the same). */
export const IMAGE_LIMITS = {
  maxBytes: 5 * 1024 * 1024,
  mimeTypes: ["image/jpeg", "image/png", "image/gif", "image/webp"] as readonly ImageMediaType[],
} as const;

/** Images sent with one message at most; the rest are left out with a note. */
export const MAX_IMAGES_PER_MESSAGE = 5;

export interface PreparedAttachments {
  /** For the model, in the order they came. */
  images: ImageBlock[];
  /** One line per file left out, for the sender. */
  notes: string[];
}

/** The image type the bytes are, from their first bytes; undefined for anything else. Pure. */
export function sniffImageType(bytes: Uint8Array): ImageMediaType | undefined {
  const at = (i: number) => bytes[i];
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 3 && at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "image/jpeg";
  if (bytes.length >= 8 && at(0) === 0x89 && ascii(1, 4) === "PNG" && at(4) === 0x0d && at(5) === 0x0a && at(6) === 0x1a && at(7) === 0x0a) return "image/png";
  if (bytes.length >= 6 && (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a")) return "image/gif";
  if (bytes.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  return undefined;
}

/** "2.4 MB", "310 KB". Pure. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function label(attachment: InboundAttachment): string {
  const name = typeof attachment.name === "string" ? attachment.name.replace(/[\r\n`"]/g, " ").trim().slice(0, 80) : "";
  return name ? `"${name}"` : attachment.kind === "image" ? "an image" : "a file";
}

const readable = "JPEG, PNG, GIF and WebP";
const cap = formatSize(IMAGE_LIMITS.maxBytes);

function tooLarge(attachment: InboundAttachment, size: number | undefined): string {
  const name = capitalize(label(attachment));
  if (size === undefined) return `${name} is over ${cap}, the largest image I can read, so it was not sent to the model.`;
  return `${name} is ${formatSize(size)}; I can read images up to ${cap}, so it was not sent to the model.`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function isReadableType(mimeType: string | undefined): boolean {
  return typeof mimeType === "string" && (IMAGE_LIMITS.mimeTypes as readonly string[]).includes(mimeType.toLowerCase().split(";")[0].trim());
}

/** One attachment: an image block, or the note saying why it was left out. */
async function prepareOne(attachment: InboundAttachment, signal?: AbortSignal): Promise<ImageBlock | string> {
  if (attachment.kind !== "image") return `I can only read images; ${label(attachment)} was not sent to the model.`;
  // a type the platform states and no model reads (HEIC, SVG, BMP) is not downloaded at all
  if (attachment.mimeType !== undefined && !isReadableType(attachment.mimeType)) {
    return `I can read ${readable} images; ${label(attachment)} (${attachment.mimeType}) was not sent to the model.`;
  }
  if (typeof attachment.size === "number" && attachment.size > IMAGE_LIMITS.maxBytes) return tooLarge(attachment, attachment.size);
  let bytes: Uint8Array;
  try {
    bytes = await attachment.fetch({ maxBytes: IMAGE_LIMITS.maxBytes, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    if (err instanceof AttachmentTooLargeError) return tooLarge(attachment, err.size);
    return `I could not download ${label(attachment)}, so it was not sent to the model.`;
  }
  if (bytes.byteLength > IMAGE_LIMITS.maxBytes) return tooLarge(attachment, bytes.byteLength);
  const mediaType = sniffImageType(bytes);
  if (!mediaType) return `I can read ${readable} images; ${label(attachment)} is none of them, so it was not sent to the model.`;
  return { type: "image", mediaType, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") };
}

/**
 * Downloads the images among `attachments` (at most {@link MAX_IMAGES_PER_MESSAGE}, each within
 * {@link IMAGE_LIMITS}); the type sent to the model is the one the bytes show. Never rejects
 * for a file: a failed download is a note. Rejects only when `signal` aborts.
 */
export async function prepareAttachments(attachments: readonly InboundAttachment[], signal?: AbortSignal): Promise<PreparedAttachments> {
  const list = Array.isArray(attachments) ? attachments : [];
  let images = 0;
  const results = await Promise.all(
    list.map((attachment) => {
      if (attachment?.kind === "image" && ++images > MAX_IMAGES_PER_MESSAGE) {
        return `I read at most ${MAX_IMAGES_PER_MESSAGE} images a message; ${label(attachment)} was not sent to the model.`;
      }
      return prepareOne(attachment, signal).catch((err: unknown) => {
        if (signal?.aborted) throw err;
        return `I could not read ${label(attachment)}, so it was not sent to the model.`;
      });
    }),
  );
  return {
    images: results.filter((r): r is ImageBlock => typeof r !== "string"),
    notes: results.filter((r): r is string => typeof r === "string"),
  };
}
