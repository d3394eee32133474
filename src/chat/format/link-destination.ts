import { isAsciiPunctuation } from "./chars.js";

/**
 * Unbalanced `(` a bare destination may hold (CommonMark lets implementations limit it). Without
 * a bound, `[a](` repeated would scan to the end of the text from every `](`: quadratic.
 */
const MAX_PAREN_DEPTH = 32;

/** Parses `[...](destination "title")` from the `(`; returns the href and the index after `)`. */
export function parseDestination(src: string, open: number): { href: string; end: number } | undefined {
  let i = open + 1;
  const skipSpace = () => {
    while (i < src.length && (src[i] === " " || src[i] === "\t" || src[i] === "\n")) i++;
  };
  skipSpace();
  let href = "";
  if (src[i] === "<") {
    i++;
    while (i < src.length && src[i] !== ">") {
      if (src[i] === "<" || src[i] === "\n") return undefined;
      if (src[i] === "\\" && isAsciiPunctuation(src[i + 1] ?? "")) i++;
      href += src[i++];
    }
    if (src[i] !== ">") return undefined;
    i++;
  } else {
    let depth = 0;
    while (i < src.length && !/\s/.test(src[i])) {
      const ch = src[i];
      if (ch === "\\" && isAsciiPunctuation(src[i + 1] ?? "")) {
        href += src[i + 1];
        i += 2;
        continue;
      }
      if (ch === "(" && ++depth > MAX_PAREN_DEPTH) return undefined;
      if (ch === ")") {
        if (depth === 0) break;
        depth--;
      }
      href += ch;
      i++;
    }
  }
  const beforeTitle = i;
  skipSpace();
  const quote = src[i];
  if (i > beforeTitle && (quote === '"' || quote === "'" || quote === "(")) {
    const closing = quote === "(" ? ")" : quote;
    i++;
    while (i < src.length && src[i] !== closing) i += src[i] === "\\" ? 2 : 1;
    if (i >= src.length) return undefined;
    i++;
    skipSpace();
  }
  if (src[i] !== ")") return undefined;
  return { href, end: i + 1 };
}

