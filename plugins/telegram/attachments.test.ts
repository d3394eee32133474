import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fileRefsOf, hasFiles } from "./attachments.js";

const MB = 1024 * 1024;
const size = (id: string, width: number, fileSize?: number) => ({ file_id: id, file_unique_id: `u${id}`, width, height: width, ...(fileSize !== undefined ? { file_size: fileSize } : {}) });

describe("fileRefsOf", () => {
  it("takes the largest photo size within the cap, or the smallest when all are over it", () => {
    expect(fileRefsOf({ photo: [size("s", 90, 2_000), size("m", 320, 40_000), size("l", 1280, 6 * MB)] }, 5 * MB)).toEqual([
      { kind: "image", fileId: "m", mimeType: "image/jpeg", name: "photo.jpg", size: 40_000 },
    ]);
    expect(fileRefsOf({ photo: [size("l", 1280, 7 * MB), size("m", 320, 6 * MB)] }, 5 * MB)[0].fileId).toBe("m");
    expect(fileRefsOf({ photo: [size("a", 90), size("b", 800)] }, 5 * MB)[0].fileId).toBe("b");
  });

  it("reads documents as images by their MIME type, and media as files", () => {
    expect(
      fileRefsOf(
        {
          document: { file_id: "d", file_name: "scan.PNG", mime_type: "image/png", file_size: 10 },
          voice: { file_id: "v", mime_type: "audio/ogg" },
        },
        5 * MB,
      ),
    ).toEqual([
      { kind: "image", fileId: "d", mimeType: "image/png", name: "scan.PNG", size: 10 },
      { kind: "file", fileId: "v", mimeType: "audio/ogg", name: "voice message" },
    ]);
    expect(fileRefsOf({ document: { file_id: "p", mime_type: "application/pdf" } }, 5 * MB)).toEqual([{ kind: "file", fileId: "p", mimeType: "application/pdf", name: "document" }]);
  });

  it("ignores stickers and anything malformed, and never throws", () => {
    expect(hasFiles({ sticker: { file_id: "x" } })).toBe(false);
    expect(fileRefsOf({ photo: [null, { width: 3 }, "x"], document: { file_id: 5 } }, 5 * MB)).toEqual([]);
    fc.assert(
      fc.property(fc.anything(), (value) => {
        fileRefsOf(value, 5 * MB);
        fileRefsOf({ photo: value, document: value, video: value }, 5 * MB);
      }),
      { numRuns: 300 },
    );
  });
});
