/** Character classes of CommonMark's inline rules. "" stands for the edge of the text. */

/** Characters a backslash can escape. */
export function isAsciiPunctuation(ch: string): boolean {
  return /^[!-/:-@[-`{-~]$/.test(ch);
}

/** Whitespace for flanking rules; the edge of the text counts as whitespace. */
export function isWhitespace(ch: string): boolean {
  return ch === "" || /\s/u.test(ch);
}

/** Unicode punctuation or symbol (emoji included) for flanking rules. */
export function isPunctuation(ch: string): boolean {
  return ch !== "" && /[\p{P}\p{S}]/u.test(ch);
}
