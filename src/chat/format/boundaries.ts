/** Where a string may be cut without breaking a user-perceived character. */

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Grapheme clusters longer than this (Zalgo text) fall back to code point boundaries. */
const LOOKAHEAD = 64;

export type CutFilter = (text: string, index: number) => boolean;

const anywhere: CutFilter = () => true;

/** True when `index` falls between the two halves of a surrogate pair. */
export function splitsSurrogatePair(text: string, index: number): boolean {
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * The largest index in [min, max] where `text` may be cut: a grapheme boundary accepted by
 * `filter`, else (when one grapheme cluster is longer than the room) a code point boundary.
 * `from` (<= min) must itself be a boundary; segmentation starts there. Returns -1 when none.
 */
export function lastCutIndex(text: string, from: number, min: number, max: number, filter: CutFilter = anywhere): number {
  if (max < min) return -1;
  const slice = text.slice(from, Math.min(text.length, max + LOOKAHEAD));
  let best = -1;
  for (const { index } of graphemes.segment(slice)) {
    const at = from + index;
    if (at > max) break;
    if (at >= min && filter(text, at)) best = at;
  }
  // The end of the slice is a boundary only when it is the end of the text.
  if (from + slice.length === text.length && text.length >= min && text.length <= max && filter(text, text.length)) {
    best = text.length;
  }
  if (best >= 0) return best;
  for (let at = max; at >= min; at--) {
    if (!splitsSurrogatePair(text, at) && filter(text, at)) return at;
  }
  return -1;
}
