/**
 * A getUpdates answer checked before anything else touches it. Pure.
 *
 * Telegram sends a list of small objects with increasing integer `update_id`s; an emulator or a
 * proxy in between may send anything. An answer that is not a list is refused (the poll loop waits
 * and asks again); elements without an integer update_id are left out (nothing can confirm them);
 * an update far larger than Telegram ever makes is kept only as its bare `{update_id}`, so its id
 * is still confirmed but no handler, journal write or model call has to carry it.
 */
import type { Update } from "grammy/types";

/** Largest update handled, in bytes of JSON (the webhook refuses larger bodies with 413). Telegram's are a few KB. */
export const MAX_UPDATE_BYTES = 1024 * 1024;

/** getUpdates answered something that is not a list of updates. */
export class MalformedAnswerError extends Error {
  override name = "MalformedAnswerError";
}

export interface ScreenedBatch {
  updates: Update[];
  /** Elements left out: not an object, or no integer update_id. */
  dropped: number;
  /** Ids of updates over the size cap, passed on as bare `{update_id}`. */
  oversized: number[];
}

const isUpdateId = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Size of `value` as JSON, in bytes; Infinity for what cannot be serialized (never the case for parsed JSON). */
function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Infinity;
  }
}

/** @example screenBatch([{ update_id: 1, message: {...} }, 42]).dropped // 1 */
export function screenBatch(answer: unknown, maxUpdateBytes = MAX_UPDATE_BYTES): ScreenedBatch {
  if (!Array.isArray(answer)) {
    throw new MalformedAnswerError(`getUpdates answered ${answer === null ? "null" : typeof answer}, not a list of updates`);
  }
  const batch: ScreenedBatch = { updates: [], dropped: 0, oversized: [] };
  for (const element of answer as unknown[]) {
    const id = typeof element === "object" && element !== null && !Array.isArray(element) ? (element as { update_id?: unknown }).update_id : undefined;
    if (!isUpdateId(id)) {
      batch.dropped++;
    } else if (jsonBytes(element) > maxUpdateBytes) {
      batch.oversized.push(id);
      batch.updates.push({ update_id: id });
    } else {
      batch.updates.push(element as Update);
    }
  }
  return batch;
}
