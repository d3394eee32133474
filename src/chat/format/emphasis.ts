/** Pairing of emphasis delimiters into spans (CommonMark's "process emphasis" procedure). */

import type { InlineNode } from "./inline.js";

/** A run of `*`, `_`, `~~` or `||` that may open or close a span. */
export interface Delimiter {
  type: "delim";
  char: string;
  /** Remaining run is source [start, start + count). */
  start: number;
  count: number;
  original: number;
  canOpen: boolean;
  canClose: boolean;
}

/** A `[` or `![` waiting for its `](destination)`. */
export interface Bracket {
  type: "bracket";
  image: boolean;
  start: number;
  end: number;
  active: boolean;
}

export type Item = InlineNode | Delimiter | Bracket;

const EMPHASIS: Record<string, { one?: "em"; two: "strong" | "strike" | "spoiler" }> = {
  "*": { one: "em", two: "strong" },
  _: { one: "em", two: "strong" },
  "~": { two: "strike" },
  "|": { two: "spoiler" },
};

/** CommonMark's "process emphasis": pairs delimiter runs into spans, innermost first. */
export function resolveEmphasis(input: Item[]): InlineNode[] {
  const list = [...input];
  for (let c = 0; c < list.length; c++) {
    const closer = list[c];
    if (closer.type !== "delim" || !closer.canClose || closer.count === 0) continue;
    let o = c - 1;
    for (; o >= 0; o--) {
      const opener = list[o];
      if (opener.type !== "delim" || opener.char !== closer.char || !opener.canOpen || opener.count === 0) continue;
      if (closer.char === "~" || closer.char === "|") {
        if (opener.count === closer.count) break;
        continue;
      }
      const oddMatch =
        (opener.canClose || closer.canOpen) &&
        (opener.original + closer.original) % 3 === 0 &&
        !(opener.original % 3 === 0 && closer.original % 3 === 0);
      if (!oddMatch) break;
    }
    if (o < 0) continue;
    const opener = list[o] as Delimiter;
    const kinds = EMPHASIS[closer.char];
    const use = kinds.one && (opener.count < 2 || closer.count < 2) ? 1 : 2;
    const type = use === 1 ? kinds.one! : kinds.two;
    opener.count -= use;
    const node: InlineNode = {
      type,
      children: toNodes(list.slice(o + 1, c)),
      start: opener.start + opener.count,
      innerStart: opener.start + opener.count + use,
      innerEnd: closer.start,
      end: closer.start + use,
    };
    closer.start += use;
    closer.count -= use;
    list.splice(o + 1, c - o - 1, node);
    c = o + 1;
    if (opener.count === 0) {
      list.splice(o, 1);
      c--;
    }
    // Revisit the closer if it has delimiters left; otherwise move past it.
    if (closer.count === 0) list.splice(c + 1, 1);
  }
  return toNodes(list);
}

/** Leftover delimiters and brackets become text; adjacent text merges. */
function toNodes(items: Item[]): InlineNode[] {
  const out: InlineNode[] = [];
  for (const item of items) {
    let node: InlineNode;
    if (item.type === "delim") {
      if (item.count === 0) continue;
      node = { type: "text", text: item.char.repeat(item.count), start: item.start, end: item.start + item.count };
    } else if (item.type === "bracket") {
      node = { type: "text", text: item.image ? "![" : "[", start: item.start, end: item.end };
    } else {
      node = item;
    }
    const last = out[out.length - 1];
    if (node.type === "text" && last?.type === "text" && last.end === node.start) {
      out[out.length - 1] = { type: "text", text: last.text + node.text, start: last.start, end: node.end };
    } else {
      out.push(node);
    }
  }
  return out;
}

