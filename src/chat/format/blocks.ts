/**
 * Block structure of a Markdown reply: paragraphs, ATX headings, fenced code, quotes, lists,
 * thematic breaks. Lenient where chat differs from documents: indentation never makes an
 * indented code block, and line breaks inside a paragraph are kept.
 */

export type Block =
  | { type: "paragraph"; text: string }
  | { type: "heading"; level: number; text: string }
  | { type: "code"; lang: string; text: string }
  | { type: "quote"; children: Block[] }
  /** numbers: each ordered item's number as written, leading zeros included ("" in a bullet list); chat shows what the model wrote, not a renumbering. */
  | { type: "list"; ordered: boolean; numbers: string[]; items: Block[][] }
  | { type: "rule" };

const FENCE = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;
const HEADING = /^[ \t]*(#{1,6})(?:[ \t]+(.*))?$/;
const RULE = /^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^[ \t]*>/;
const ITEM = /^([ \t]*)([-*+]|(\d{1,9})[.)])([ \t]+|$)/;

/**
 * Quotes and lists nest at most this deep (counted together); deeper `>` and list markers stay
 * literal text in the innermost block. Parsing and rendering recurse once per level, so without a
 * cap `">".repeat(3000)` or `"1. ".repeat(2000)` would overflow the stack; chat replies never
 * need more than a few levels, and Telegram flattens nested quotes anyway.
 */
export const MAX_BLOCK_DEPTH = 16;

interface FenceOpen {
  indent: number;
  char: string;
  length: number;
  lang: string;
}

export function parseBlocks(markdown: string): Block[] {
  return parseLines(markdown.replace(/\r\n?/g, "\n").split("\n"), 0);
}

function isBlank(line: string): boolean {
  return line.trim() === "";
}

/** Columns of leading whitespace (a tab advances to the next multiple of 4). */
function indentOf(line: string): number {
  let columns = 0;
  for (const ch of line) {
    if (ch === " ") columns++;
    else if (ch === "\t") columns += 4 - (columns % 4);
    else break;
  }
  return columns;
}

/** Removes up to `columns` columns of leading whitespace. */
function stripColumns(line: string, columns: number): string {
  let used = 0;
  let i = 0;
  while (i < line.length && used < columns) {
    if (line[i] === " ") used++;
    else if (line[i] === "\t") used += 4 - (used % 4);
    else break;
    i++;
  }
  return line.slice(i);
}

function fenceOpen(line: string): FenceOpen | undefined {
  const m = FENCE.exec(line);
  if (!m) return undefined;
  const info = m[3].trim();
  if (m[2][0] === "`" && info.includes("`")) return undefined;
  return { indent: indentOf(m[1]), char: m[2][0], length: m[2].length, lang: info.split(/\s+/)[0] ?? "" };
}

function closesFence(line: string, open: FenceOpen): boolean {
  const m = FENCE_CLOSE.exec(line);
  return !!m && m[1][0] === open.char && m[1].length >= open.length;
}

/** Whether `line`, at nesting `depth`, starts a block that ends a paragraph above it. */
function interruptsParagraph(line: string, depth: number): boolean {
  if (fenceOpen(line) || HEADING.test(line) || RULE.test(line)) return true;
  if (depth >= MAX_BLOCK_DEPTH) return false;
  if (QUOTE.test(line)) return true;
  const item = ITEM.exec(line);
  if (!item || isBlank(line.slice(item[0].length))) return false;
  return item[3] === undefined || Number(item[3]) === 1;
}

function parseLines(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = fenceOpen(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !closesFence(lines[i], fence)) body.push(stripColumns(lines[i++], fence.indent));
      i++;
      blocks.push({ type: "code", lang: fence.lang, text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const text = (heading[2] ?? "").replace(/(?:^|[ \t]+)#+[ \t]*$/, "").trim();
      blocks.push({ type: "heading", level: heading[1].length, text });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: "rule" });
      i++;
      continue;
    }
    const nests = depth < MAX_BLOCK_DEPTH;
    if (nests && QUOTE.test(line)) {
      i = parseQuote(lines, i, blocks, depth);
      continue;
    }
    if (nests && ITEM.test(line)) {
      i = parseList(lines, i, blocks, depth);
      continue;
    }
    const paragraph = [line.trim()];
    i++;
    while (i < lines.length && !isBlank(lines[i]) && !interruptsParagraph(lines[i], depth)) paragraph.push(lines[i++].trim());
    blocks.push({ type: "paragraph", text: paragraph.join("\n") });
  }
  return blocks;
}

function parseQuote(lines: string[], i: number, blocks: Block[], depth: number): number {
  const inner: string[] = [];
  while (i < lines.length) {
    const line = lines[i];
    if (QUOTE.test(line)) {
      inner.push(line.replace(/^[ \t]*> ?/, ""));
    } else if (!isBlank(line) && !isBlank(inner[inner.length - 1] ?? "") && !interruptsParagraph(line, depth)) {
      inner.push(line); // lazy continuation of a quoted paragraph
    } else {
      break;
    }
    i++;
  }
  blocks.push({ type: "quote", children: parseLines(inner, depth + 1) });
  return i;
}

function parseList(lines: string[], i: number, blocks: Block[], depth: number): number {
  const first = ITEM.exec(lines[i])!;
  const ordered = first[3] !== undefined;
  const kind = first[2][first[2].length - 1];
  const sameList = (line: string) => {
    const m = ITEM.exec(line);
    return !!m && !RULE.test(line) && (m[3] !== undefined) === ordered && m[2][m[2].length - 1] === kind;
  };
  const items: Block[][] = [];
  const numbers: string[] = [];
  while (i < lines.length && sameList(lines[i])) {
    const m = ITEM.exec(lines[i])!;
    const rest = lines[i].slice(m[0].length);
    const gap = indentOf(m[4].replace(/\t/g, "    "));
    const contentIndent = indentOf(m[1]) + m[2].length + (isBlank(rest) || gap > 4 ? 1 : gap);
    const itemLines = [rest];
    numbers.push(m[3] ?? "");
    i++;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        let next = i;
        while (next < lines.length && isBlank(lines[next])) next++;
        if (next < lines.length && indentOf(lines[next]) >= contentIndent) {
          while (i < next) itemLines.push(lines[i++].trim());
          continue;
        }
        break;
      }
      if (indentOf(line) >= contentIndent) {
        itemLines.push(stripColumns(line, contentIndent));
      } else if (!ITEM.test(line) && !interruptsParagraph(line, depth) && !isBlank(itemLines[itemLines.length - 1])) {
        itemLines.push(line.trim()); // lazy continuation of the item's paragraph
      } else {
        break;
      }
      i++;
    }
    items.push(parseLines(itemLines, depth + 1));
    let next = i;
    while (next < lines.length && isBlank(lines[next])) next++;
    if (next > i && next < lines.length && sameList(lines[next])) i = next;
  }
  blocks.push({ type: "list", ordered, numbers, items });
  return i;
}
