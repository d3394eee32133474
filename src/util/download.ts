/**
 * Downloads with a byte cap, for files users send (images for the model): the cap is checked
 * against `content-length` before reading and against the bytes as they arrive, so a file past
 * it is never held whole in memory.
 */

/** A file over the cap; `size` is its size when known (declared or counted so far). */
export class AttachmentTooLargeError extends Error {
  override name = "AttachmentTooLargeError";
  constructor(
    readonly size: number | undefined,
    readonly maxBytes: number,
  ) {
    super(`the file is larger than ${maxBytes} bytes${size !== undefined ? ` (${size} bytes)` : ""}`);
  }
}

/**
 * The body of `response`, at most `maxBytes`; rejects with {@link AttachmentTooLargeError} past
 * it (the rest is not read) and with an Error for a status other than 2xx.
 */
export async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`download failed: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AttachmentTooLargeError(declared, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AttachmentTooLargeError(Number.isFinite(declared) && declared > 0 ? declared : undefined, maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * GETs `url` and reads at most `maxBytes` of it ({@link readCapped}).
 *
 * @example const bytes = await downloadCapped(url, { maxBytes: 5 * 1024 * 1024, signal });
 */
export async function downloadCapped(url: string, options: { maxBytes: number; signal?: AbortSignal; headers?: Record<string, string> }): Promise<Uint8Array> {
  const response = await fetch(url, { signal: options.signal, headers: options.headers, redirect: "follow" });
  return readCapped(response, options.maxBytes);
}
