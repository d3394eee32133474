/**
 * Files in Telegram messages: which ones a message carries (pure), and how to download one
 * (getFile, then `<apiRoot>/file/bot<token>/<file_path>`, at most the core's cap).
 */
import type { Api } from "grammy";
import { apiSignal } from "./api-signal.js";
import { AttachmentTooLargeError, downloadCapped, redact, type InboundAttachment } from "../../src/plugin-api.js";

/** A file a message carries, as Telegram describes it. */
export interface TelegramFileRef {
  kind: "image" | "file";
  fileId: string;
  mimeType?: string;
  name?: string;
  size?: number;
}

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);
const positive = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The photo size to read: the largest whose declared size is within `maxBytes` (sizes without
 * one count as within); the smallest when every size is over it, so the refusal names a size.
 */
function pickPhotoSize(sizes: unknown[], maxBytes: number): Fields | undefined {
  const usable = sizes.filter((s): s is Fields => isObject(s) && text(s.file_id) !== undefined);
  const area = (s: Fields) => (positive(s.width) ?? 0) * (positive(s.height) ?? 0);
  const bySize = [...usable].sort((a, b) => area(a) - area(b) || (positive(a.file_size) ?? 0) - (positive(b.file_size) ?? 0));
  const within = bySize.filter((s) => (positive(s.file_size) ?? 0) <= maxBytes);
  return within.at(-1) ?? bySize[0];
}

/** Media that are files to the bot, with the name a note shows when they have no file name. */
const OTHER_MEDIA: [field: string, name: string][] = [
  ["video", "video"],
  ["animation", "animation"],
  ["audio", "audio file"],
  ["voice", "voice message"],
  ["video_note", "video message"],
];

/**
 * The files of a message: its photo (one size, see {@link pickPhotoSize}), its document (an image
 * when its MIME type says so), and videos, audio and voice as files. Stickers are not files here.
 * Pure and total: anything malformed is left out.
 */
export function fileRefsOf(message: unknown, maxImageBytes: number): TelegramFileRef[] {
  if (!isObject(message)) return [];
  const refs: TelegramFileRef[] = [];
  if (Array.isArray(message.photo)) {
    const size = pickPhotoSize(message.photo, maxImageBytes);
    if (size) refs.push({ kind: "image", fileId: String(size.file_id), mimeType: "image/jpeg", name: "photo.jpg", ...sizeOf(size) });
  }
  const document = message.document;
  if (isObject(document) && text(document.file_id)) {
    const mimeType = text(document.mime_type);
    refs.push({
      kind: mimeType?.toLowerCase().startsWith("image/") ? "image" : "file",
      fileId: String(document.file_id),
      ...(mimeType ? { mimeType } : {}),
      name: text(document.file_name) ?? "document",
      ...sizeOf(document),
    });
  }
  for (const [field, name] of OTHER_MEDIA) {
    const media = message[field];
    if (isObject(media) && text(media.file_id)) {
      const mimeType = text(media.mime_type);
      refs.push({ kind: "file", fileId: String(media.file_id), ...(mimeType ? { mimeType } : {}), name: text(media.file_name) ?? name, ...sizeOf(media) });
    }
  }
  return refs;
}

function sizeOf(fields: Fields): { size?: number } {
  const size = positive(fields.file_size);
  return size !== undefined ? { size } : {};
}

/** Does the message carry any file? */
export function hasFiles(message: unknown): boolean {
  return fileRefsOf(message, Number.POSITIVE_INFINITY).length > 0;
}

export interface FileDownloadDeps {
  api: Api;
  /** The Bot API root without a trailing slash (`https://api.telegram.org` by default). */
  apiRoot: string;
  token: string;
  /** Ends downloads when the plugin stops. */
  lifetime: AbortSignal;
}

/**
 * Downloads one file: getFile for its path, then the file URL (which holds the token: errors
 * are redacted). A file Telegram declares over `maxBytes` is refused before any download.
 */
export async function downloadTelegramFile(deps: FileDownloadDeps, fileId: string, options: { maxBytes: number; signal?: AbortSignal }): Promise<Uint8Array> {
  const signal = options.signal ? AbortSignal.any([options.signal, deps.lifetime]) : deps.lifetime;
  try {
    const file = await deps.api.getFile(fileId, apiSignal(signal));
    if (typeof file.file_size === "number" && file.file_size > options.maxBytes) throw new AttachmentTooLargeError(file.file_size, options.maxBytes);
    if (!file.file_path) throw new Error("Telegram gave no file path (bots cannot download files over 20 MB)");
    const path = file.file_path.split("/").map(encodeURIComponent).join("/");
    return await downloadCapped(`${deps.apiRoot}/file/bot${deps.token}/${path}`, { maxBytes: options.maxBytes, signal });
  } catch (err) {
    if (err instanceof AttachmentTooLargeError) throw err;
    throw new Error(`telegram: could not download a file: ${redact(err instanceof Error ? err.message : String(err), [deps.token])}`);
  }
}

/** The message's files as the core takes them, each downloaded on demand. */
export function toAttachments(refs: readonly TelegramFileRef[], deps: FileDownloadDeps): InboundAttachment[] {
  return refs.map((ref) => ({
    kind: ref.kind,
    ...(ref.mimeType ? { mimeType: ref.mimeType } : {}),
    ...(ref.name ? { name: ref.name } : {}),
    ...(ref.size !== undefined ? { size: ref.size } : {}),
    fetch: (options) => downloadTelegramFile(deps, ref.fileId, options),
  }));
}
