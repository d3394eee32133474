import { describe, expect, it } from "vitest";
import type { InboundAttachment } from "../plugin-api.js";
import { AttachmentTooLargeError } from "../util/download.js";
import { formatSize, IMAGE_LIMITS, MAX_IMAGES_PER_MESSAGE, prepareAttachments, sniffImageType } from "./attachments.js";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const GIF = new TextEncoder().encode("GIF89a......");
const WEBP = new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 ");

function attachment(overrides: Partial<InboundAttachment> & { bytes?: Uint8Array; error?: Error }): InboundAttachment & { fetched: number } {
  const a = {
    kind: "image" as const,
    fetched: 0,
    ...overrides,
    async fetch({ maxBytes }: { maxBytes: number }) {
      a.fetched++;
      if (overrides.error) throw overrides.error;
      const bytes = overrides.bytes ?? PNG;
      if (bytes.byteLength > maxBytes) throw new AttachmentTooLargeError(bytes.byteLength, maxBytes);
      return bytes;
    },
  };
  return a;
}

describe("sniffImageType", () => {
  it.each([
    [PNG, "image/png"],
    [JPEG, "image/jpeg"],
    [GIF, "image/gif"],
    [WEBP, "image/webp"],
    [new TextEncoder().encode("%PDF-1.7"), undefined],
    [new Uint8Array(0), undefined],
  ])("%#", (bytes, type) => {
    expect(sniffImageType(bytes)).toBe(type);
  });
});

describe("prepareAttachments", () => {
  it("turns images into base64 blocks typed by their bytes", async () => {
    const { images, notes } = await prepareAttachments([attachment({ mimeType: "image/jpeg", bytes: PNG }), attachment({ bytes: JPEG })]);
    expect(notes).toEqual([]);
    expect(images).toEqual([
      { type: "image", mediaType: "image/png", data: Buffer.from(PNG).toString("base64") },
      { type: "image", mediaType: "image/jpeg", data: Buffer.from(JPEG).toString("base64") },
    ]);
  });

  it("leaves out other files with a plain note, without downloading them", async () => {
    const pdf = attachment({ kind: "file", name: "report.pdf", mimeType: "application/pdf" });
    const heic = attachment({ name: "IMG_1.heic", mimeType: "image/heic" });
    const { images, notes } = await prepareAttachments([pdf, heic]);
    expect(images).toEqual([]);
    expect(notes).toEqual([
      'I can only read images; "report.pdf" was not sent to the model.',
      'I can read JPEG, PNG, GIF and WebP images; "IMG_1.heic" (image/heic) was not sent to the model.',
    ]);
    expect(pdf.fetched + heic.fetched).toBe(0);
  });

  it("refuses an image over the cap plainly: by its declared size before downloading, or as the download finds it", async () => {
    const declared = attachment({ name: "big.png", size: 7.2 * 1024 * 1024 });
    const undeclared = attachment({ name: "huge.png", bytes: new Uint8Array(IMAGE_LIMITS.maxBytes + 10) });
    const { images, notes } = await prepareAttachments([declared, undeclared]);
    expect(images).toEqual([]);
    expect(declared.fetched).toBe(0);
    expect(notes).toEqual([
      '"big.png" is 7.2 MB; I can read images up to 5 MB, so it was not sent to the model.',
      '"huge.png" is 5 MB; I can read images up to 5 MB, so it was not sent to the model.',
    ]);
  });

  it("notes a failed download and bytes that are no image", async () => {
    const { notes } = await prepareAttachments([attachment({ name: "a.png", error: new Error("HTTP 500") }), attachment({ name: "b.png", bytes: new TextEncoder().encode("hello") })]);
    expect(notes).toEqual(['I could not download "a.png", so it was not sent to the model.', 'I can read JPEG, PNG, GIF and WebP images; "b.png" is none of them, so it was not sent to the model.']);
  });

  it(`sends at most ${MAX_IMAGES_PER_MESSAGE} images`, async () => {
    const { images, notes } = await prepareAttachments(Array.from({ length: MAX_IMAGES_PER_MESSAGE + 2 }, () => attachment({})));
    expect(images).toHaveLength(MAX_IMAGES_PER_MESSAGE);
    expect(notes).toHaveLength(2);
  });

  it("formats sizes", () => {
    expect([formatSize(100), formatSize(310 * 1024), formatSize(2.4 * 1024 * 1024)]).toEqual(["1 KB", "310 KB", "2.4 MB"]);
    expect(formatSize(5 * 1024 * 1024)).toBe("5 MB");
  });
});
