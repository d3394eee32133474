/** Server-sent event framing and text chunking for the fake's streamed replies. */
import type { ServerResponse } from "node:http";

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Write one event; resolves once it is handed to the socket (false when the socket is gone). */
export function writeEvent(res: ServerResponse, event: string, data: unknown): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    res.write(sseFrame(event, data), (err) => resolve(!err));
  });
}

/** Split text into `count` pieces of near-equal length, never inside a surrogate pair. */
export function splitIntoChunks(text: string, count: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const n = Math.max(1, Math.min(Math.floor(count), chars.length));
  const size = Math.ceil(chars.length / n);
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(""));
  return chunks;
}
