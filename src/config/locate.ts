/**
 * Maps key paths of a JSON5 document to the line and column where each key (or array item)
 * starts, so validation errors can point at the line. A small scanner, not a parser: it only
 * runs on text JSON5 has already accepted.
 */
export interface Position {
  line: number;
  column: number;
}

type Frame = { kind: "object"; key: string | null } | { kind: "array"; index: number };

export function locateKeys(source: string): Map<string, Position> {
  const positions = new Map<string, Position>();
  const stack: Frame[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  let expectingKey = false;
  let pendingValueStart = true; // an array item may start here

  const posAt = (index: number): Position => ({ line, column: index - lineStart + 1 });
  const pathOf = (extra?: string) => {
    const parts: string[] = [];
    for (const frame of stack) {
      if (frame.kind === "object" && frame.key !== null) parts.push(frame.key);
      if (frame.kind === "array") parts.push(String(frame.index));
    }
    if (extra !== undefined) parts.push(extra);
    return parts.join(".");
  };
  const noteArrayItem = (index: number) => {
    const top = stack[stack.length - 1];
    if (top?.kind === "array" && pendingValueStart) {
      positions.set(pathOf(), posAt(index));
      pendingValueStart = false;
    }
  };

  while (i < source.length) {
    const ch = source[i];
    if (ch === "\n") {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\ufeff") {
      i++;
      continue;
    }
    if (ch === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (ch === "/" && source[i + 1] === "*") {
      i += 2;
      while (i < source.length && !(source[i] === "*" && source[i + 1] === "/")) {
        if (source[i] === "\n") {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      i += 2;
      continue;
    }
    const top = stack[stack.length - 1];
    if (ch === "{" || ch === "[") {
      noteArrayItem(i);
      stack.push(ch === "{" ? { kind: "object", key: null } : { kind: "array", index: 0 });
      expectingKey = ch === "{";
      pendingValueStart = ch === "[";
      i++;
      continue;
    }
    if (ch === "}" || ch === "]") {
      stack.pop();
      expectingKey = false;
      i++;
      continue;
    }
    if (ch === ",") {
      if (top?.kind === "array") {
        top.index++;
        pendingValueStart = true;
      } else if (top?.kind === "object") {
        top.key = null;
        expectingKey = true;
      }
      i++;
      continue;
    }
    if (ch === ":") {
      expectingKey = false;
      i++;
      continue;
    }
    // a token: string, identifier or literal
    const start = i;
    let token: string;
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let value = "";
      while (j < source.length && source[j] !== ch) {
        if (source[j] === "\\") {
          value += source[j + 1] ?? "";
          j += 2;
          continue;
        }
        if (source[j] === "\n") {
          line++;
          lineStart = j + 1;
        }
        value += source[j];
        j++;
      }
      token = value;
      i = j + 1;
    } else {
      let j = i;
      while (j < source.length && !/[\s,:\]}/]/.test(source[j])) j++;
      token = source.slice(i, j);
      i = j;
    }
    if (expectingKey && top?.kind === "object") {
      top.key = token;
      positions.set(pathOf(), posAt(start));
      expectingKey = false;
    } else {
      noteArrayItem(start);
    }
  }
  return positions;
}

/** Position of the deepest known prefix of `keyPath`. */
export function findPosition(positions: Map<string, Position>, keyPath: string): Position | undefined {
  const parts = keyPath ? keyPath.split(".") : [];
  for (let n = parts.length; n > 0; n--) {
    const found = positions.get(parts.slice(0, n).join("."));
    if (found) return found;
  }
  return undefined;
}
