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
}

export type Item = InlineNode | Delimiter | Bracket;

const EMPHASIS: Record<string, { one?: "em"; two: "strong" | "strike" | "spoiler" }> = {
  "*": { one: "em", two: "strong" },
  _: { one: "em", two: "strong" },
  "~": { two: "strike" },
  "|": { two: "spoiler" },
};

/** One item in a doubly linked list; delimiters are also linked among themselves (the delimiter stack). */
interface Cell {
  item: Item;
  prev?: Cell;
  next?: Cell;
  prevDelim?: Cell;
  nextDelim?: Cell;
  /** Order of delimiters, for the openers-bottom bound. */
  seq: number;
}

/**
 * CommonMark's "process emphasis": pairs delimiter runs into spans, innermost first. Linear in
 * practice: items live in a linked list (a match wraps what lies between without shifting the
 * rest), and a closer that found no opener records how far down the next search of its kind may go.
 */
export function resolveEmphasis(input: Item[]): InlineNode[] {
  if (!input.some((item) => item.type === "delim")) return toNodes(input);
  const head: Cell = { item: { type: "text", text: "", start: 0, end: 0 }, seq: -1 };
  let tail = head;
  let lastDelim: Cell | undefined;
  let firstDelim: Cell | undefined;
  input.forEach((item, seq) => {
    const cell: Cell = { item, prev: tail, seq };
    tail.next = cell;
    tail = cell;
    if (item.type !== "delim") return;
    cell.prevDelim = lastDelim;
    if (lastDelim) lastDelim.nextDelim = cell;
    else firstDelim = cell;
    lastDelim = cell;
  });

  /** Per closer kind: openers at or below this sequence number are known not to match. */
  const openersBottom = new Map<string, number>();
  let current = firstDelim;
  while (current) {
    const closer = current.item as Delimiter;
    if (!closer.canClose || closer.count === 0) {
      current = current.nextDelim;
      continue;
    }
    const kind = `${closer.char}${closer.canOpen ? 1 : 0}${closer.original % 3}`;
    const bottom = openersBottom.get(kind) ?? -1;
    let found: Cell | undefined;
    for (let cell = current.prevDelim; cell && cell.seq > bottom; cell = cell.prevDelim) {
      const opener = cell.item as Delimiter;
      if (opener.char !== closer.char || !opener.canOpen || opener.count === 0) continue;
      if (closer.char === "~" || closer.char === "|") {
        if (opener.count !== closer.count) continue;
      } else if (
        (opener.canClose || closer.canOpen) &&
        (opener.original + closer.original) % 3 === 0 &&
        !(opener.original % 3 === 0 && closer.original % 3 === 0)
      ) {
        continue;
      }
      found = cell;
      break;
    }
    if (!found) {
      openersBottom.set(kind, current.prevDelim?.seq ?? -1);
      const next = current.nextDelim;
      if (!closer.canOpen) unlinkDelim(current);
      current = next;
      continue;
    }
    const opener = found.item as Delimiter;
    const kinds = EMPHASIS[closer.char];
    const use = kinds.one && (opener.count < 2 || closer.count < 2) ? 1 : 2;
    opener.count -= use;
    const between: Item[] = [];
    for (let cell = found.next; cell && cell !== current; cell = cell.next) between.push(cell.item);
    const node: InlineNode = {
      type: use === 1 ? kinds.one! : kinds.two,
      children: toNodes(between),
      start: opener.start + opener.count,
      innerStart: opener.start + opener.count + use,
      innerEnd: closer.start,
      end: closer.start + use,
    };
    closer.start += use;
    closer.count -= use;
    // The node replaces everything between opener and closer; delimiters there are spent.
    const nodeCell: Cell = { item: node, prev: found, next: current, seq: -1 };
    found.next = nodeCell;
    current.prev = nodeCell;
    found.nextDelim = current;
    current.prevDelim = found;
    if (opener.count === 0) {
      unlink(found);
      unlinkDelim(found);
    }
    if (closer.count === 0) {
      const next = current.nextDelim;
      unlink(current);
      unlinkDelim(current);
      current = next;
    }
  }

  const rest: Item[] = [];
  for (let cell = head.next; cell; cell = cell.next) rest.push(cell.item);
  return toNodes(rest);
}

function unlink(cell: Cell): void {
  cell.prev!.next = cell.next;
  if (cell.next) cell.next.prev = cell.prev;
}

function unlinkDelim(cell: Cell): void {
  if (cell.prevDelim) cell.prevDelim.nextDelim = cell.nextDelim;
  if (cell.nextDelim) cell.nextDelim.prevDelim = cell.prevDelim;
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
