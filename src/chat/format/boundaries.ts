/** Where a string may be cut without breaking a user-perceived character. */

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Grapheme clusters longer than this (Zalgo text) fall back to code point boundaries. */
const LOOKAHEAD = 64;

/** How far back from the end of the room to look for a place segmentation may safely start. */
const SAFE_START_SCAN = 256;

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
 * `filter`, else (when one grapheme cluster is longer than the room and `splitClusters` allows)
 * a code point boundary. `from` (<= min) must itself be a boundary; segmentation starts there, or
 * nearer `max` where a boundary is certain, so the cost follows the length of the last few
 * clusters, not of the room. Returns -1 when none.
 */
export function lastCutIndex(text: string, from: number, min: number, max: number, filter: CutFilter = anywhere, splitClusters = true): number {
  if (max < min) return -1;
  const near = certainBoundaryBefore(text, Math.max(from, min), max);
  const found = near > from ? lastGraphemeCut(text, near, min, max, filter) : -1;
  if (found >= 0) return found;
  const best = lastGraphemeCut(text, from, min, near > from ? near : max, filter);
  if (best >= 0 || !splitClusters) return best;
  for (let at = max; at >= min; at--) {
    if (!splitsSurrogatePair(text, at) && filter(text, at)) return at;
  }
  return -1;
}

/** The largest grapheme boundary in [min, max] accepted by `filter`, segmenting from the boundary `from`; -1 when none. */
function lastGraphemeCut(text: string, from: number, min: number, max: number, filter: CutFilter): number {
  const end = Math.min(text.length, max + LOOKAHEAD);
  const cuts: number[] = [];
  for (const { index } of graphemes.segment(text.slice(from, end))) {
    const at = from + index;
    if (at > max) break;
    if (at >= min) cuts.push(at);
  }
  // The end of the slice is a boundary only when it is the end of the text.
  if (end === text.length && text.length >= min && text.length <= max) cuts.push(text.length);
  for (let k = cuts.length - 1; k >= 0; k--) if (filter(text, cuts[k])) return cuts[k];
  return -1;
}

/**
 * The largest index in [floor, max] (looking back at most {@link SAFE_START_SCAN}) that is a
 * grapheme boundary whatever comes before it: between two ASCII characters other than CR LF,
 * none of which extends, joins or prefixes a cluster. -1 when there is none nearby.
 */
function certainBoundaryBefore(text: string, floor: number, max: number): number {
  for (let at = Math.min(max, text.length - 1); at > floor && at >= max - SAFE_START_SCAN; at--) {
    const before = text.charCodeAt(at - 1);
    const after = text.charCodeAt(at);
    if (before < 0x80 && after < 0x80 && !(before === 13 && after === 10)) return at;
  }
  return -1;
}
