import { chunkTokens } from "./chunker.js";

export interface SplitOptions {
  /** Fraction of `limit` a piece must reach for a paragraph or line break to beat a later space. Default 0.5. */
  minFill?: number;
}

/**
 * Splits unformatted text into pieces of at most `limit` characters: at blank lines, then line
 * ends, then spaces; a word longer than `limit` is cut between graphemes (never inside a
 * surrogate pair or an emoji sequence). Whitespace at a split is dropped; nothing else is.
 *
 * @example splitText("first paragraph\n\nsecond paragraph", 20) // ["first paragraph", "second paragraph"]
 */
export function splitText(text: string, limit: number, options: SplitOptions = {}): string[] {
  return chunkTokens(
    { tokens: [{ kind: "content", text: text.replace(/\r\n?/g, "\n"), frames: [], breakable: true }], endFrames: [] },
    { limit, minFill: options.minFill },
  );
}
