/** Small valid image files for tests: real headers, so a fake that sniffs the type accepts them. */

/** A 1×1 PNG (67 bytes). */
export const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);

/** A JPEG-headed file of `size` bytes (SOI + JFIF APP0, then filler): enough for type sniffing and size caps. */
export function jpegOfSize(size: number): Buffer {
  const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
  const bytes = Buffer.alloc(Math.max(size, head.length + 2), 0x20);
  head.copy(bytes);
  bytes[bytes.length - 2] = 0xff;
  bytes[bytes.length - 1] = 0xd9;
  return bytes;
}
