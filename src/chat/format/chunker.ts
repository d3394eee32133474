import { lastCutIndex, type CutFilter } from "./boundaries.js";
import { closeMarkup, reopenMarkup, type ContentToken, type Frame, type TokenStream } from "./tokens.js";

/**
 * Splits a token stream into chunks of at most `limit` characters, each one well-formed on its
 * own: contexts open at a cut are closed at the end of the chunk and reopened in the next.
 *
 * Split points, strongest first: blank lines between blocks, line ends, spaces outside inline
 * spans, spaces inside inline spans, and, only for a word longer than a whole chunk, a grapheme
 * boundary inside it. A stronger split point wins as long as the chunk stays `minFill` full.
 * Whitespace at a cut is dropped (line indentation after it is kept); nothing else is.
 */
export interface ChunkOptions {
  limit: number;
  /** Fraction of `limit` a chunk must reach for a stronger split point to beat a later weaker one. Default 0.5. */
  minFill?: number;
  /** False where a cut inside a word would break an escape (`&amp;`, `\*`). */
  canCutAt?: CutFilter;
  /**
   * For a chunk that starts mid-line: the offset (from `at`) where a backslash must be inserted so
   * the start does not read as block markup (a heading, list item or quote), or -1.
   */
  escapeLineStart?: (text: string, at: number) => number;
}

/** Split point strength. */
const Rank = { Hard: 0, SpanSpace: 1, Space: 2, Line: 3, Paragraph: 4 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

interface Span {
  start: number;
  end: number;
  frames: readonly Frame[];
  reopen: string;
  close: string;
  /** Global index of the first / last non-whitespace character (Infinity / -1 when none). */
  firstVisible: number;
  lastVisible: number;
  /** The token right before opens the innermost frame; the one right after closes it. */
  afterOpen: boolean;
  beforeClose: boolean;
}

interface Cut {
  end: number;
  resume: number;
  rank: Rank;
  span: Span;
  midLine: boolean;
}

const WHITESPACE_RUN = /[ \t\n]+/g;

/** Whitespace for deciding whether a chunk has anything to read (split points use only space, tab and newline). */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x200b || code === 0xfeff || code === 0x3000;
}

export function chunkTokens(stream: TokenStream, options: ChunkOptions): string[] {
  return new Chunker(stream, options).run();
}

class Chunker {
  private readonly text: string;
  private readonly spans: Span[] = [];
  private readonly cuts: Cut[] = [];
  /** visible[i]: readable characters in text[0, i). */
  private readonly visible: Int32Array;
  private readonly endClose: string;
  private readonly limit: number;
  private readonly minFill: number;
  private readonly canCutAt: CutFilter;

  constructor(
    stream: TokenStream,
    private readonly options: ChunkOptions,
  ) {
    this.limit = options.limit;
    this.minFill = options.minFill ?? 0.5;
    this.canCutAt = options.canCutAt ?? (() => true);
    this.endClose = closeMarkup(stream.endFrames);
    let text = "";
    const tokens = stream.tokens;
    const counted: Array<[number, string]> = [];
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t];
      const start = text.length;
      text += token.text;
      if (token.kind === "markup") {
        if (token.visible) counted.push([start, token.text]);
        continue;
      }
      counted.push([start, token.text]);
      const prev = tokens[t - 1];
      const next = tokens[t + 1];
      const span = this.spanOf(token, start, prev?.kind === "markup" && prev.role === "open", next?.kind === "markup" && next.role === "close");
      this.spans.push(span);
      if (token.breakable) this.collectCuts(token, span);
    }
    this.text = text;
    this.visible = new Int32Array(text.length + 1);
    let at = 0;
    let count = 0;
    for (const [start, piece] of counted) {
      for (; at < start; at++) this.visible[at + 1] = count;
      for (let i = 0; i < piece.length; i++, at++) {
        if (!isSpace(piece.charCodeAt(i))) count++;
        this.visible[at + 1] = count;
      }
    }
    for (; at < text.length; at++) this.visible[at + 1] = count;
  }

  run(): string[] {
    const chunks: string[] = [];
    let pos = 0;
    let frames: readonly Frame[] = [];
    let midLine = false;
    let spanIndex = 0;
    let cutIndex = 0;
    while (pos < this.text.length && this.hasVisible(pos, this.text.length)) {
      while (spanIndex < this.spans.length && this.spans[spanIndex].end <= pos) spanIndex++;
      while (cutIndex < this.cuts.length && this.cuts[cutIndex].end <= pos) cutIndex++;
      const reopen = reopenMarkup(frames);
      const escapeAt: number = midLine && frames.length === 0 && this.options.escapeLineStart ? this.options.escapeLineStart(this.text, pos) : -1;
      const lead: number = reopen.length + (escapeAt >= 0 ? 1 : 0);
      const body = (end: number) =>
        escapeAt >= 0 && escapeAt < end - pos
          ? this.text.slice(pos, pos + escapeAt) + "\\" + this.text.slice(pos + escapeAt, end)
          : this.text.slice(pos, end);

      if (lead + (this.text.length - pos) + this.endClose.length <= this.limit) {
        chunks.push(reopen + body(this.text.length) + this.endClose);
        break;
      }
      const cut: Cut | undefined = this.softCut(pos, lead, cutIndex) ?? this.hardCut(pos, lead, spanIndex);
      if (cut) {
        chunks.push(reopen + body(cut.end) + cut.span.close);
        pos = cut.resume;
        frames = cut.span.frames;
        midLine = cut.midLine;
        continue;
      }
      // Not even one character fits with the open contexts around it: send a piece bare.
      const bare = this.bareCut(pos, spanIndex);
      chunks.push(this.text.slice(bare.from, bare.end));
      pos = bare.end;
      frames = bare.span.frames;
      midLine = true;
    }
    return chunks;
  }

  private spanOf(token: ContentToken, start: number, afterOpen: boolean, beforeClose: boolean): Span {
    let first = 0;
    while (first < token.text.length && isSpace(token.text.charCodeAt(first))) first++;
    let last = token.text.length - 1;
    while (last >= 0 && isSpace(token.text.charCodeAt(last))) last--;
    return {
      start,
      end: start + token.text.length,
      frames: token.frames,
      reopen: reopenMarkup(token.frames),
      close: closeMarkup(token.frames),
      firstVisible: first === token.text.length ? Infinity : start + first,
      lastVisible: last < 0 ? -1 : start + last,
      afterOpen: afterOpen && token.frames.length > 0,
      beforeClose: beforeClose && token.frames.length > 0,
    };
  }

  private collectCuts(token: ContentToken, span: Span): void {
    const frames = token.frames;
    const innermost = frames[frames.length - 1];
    const add = (end: number, resume: number, rank: Rank, midLine: boolean) => {
      // A cut right after an opening tag or right before a closing one would leave an empty span.
      if (span.afterOpen && end <= span.firstVisible) return;
      if (span.beforeClose && resume > span.lastVisible) return;
      this.cuts.push({ end, resume, rank, span, midLine });
    };
    WHITESPACE_RUN.lastIndex = 0;
    for (let m = WHITESPACE_RUN.exec(token.text); m; m = WHITESPACE_RUN.exec(token.text)) {
      const a = span.start + m.index;
      const run = m[0];
      if (innermost?.code) {
        let offset = 0;
        for (const part of run.split("\n")) {
          if (offset > 0) add(a + offset - 1, a + offset, Rank.Line, false);
          if (part) add(a + offset + part.length, a + offset + part.length, Rank.SpanSpace, true);
          offset += part.length + 1;
        }
        continue;
      }
      const newlines = run.split("\n").length - 1;
      const inSpan = frames.some((f) => f.inline);
      const rank = inSpan ? Rank.SpanSpace : newlines >= 2 ? Rank.Paragraph : newlines === 1 ? Rank.Line : Rank.Space;
      const resume = newlines > 0 ? a + run.lastIndexOf("\n") + 1 : a + run.length;
      add(a, resume, rank, newlines === 0);
    }
  }

  private hasVisible(from: number, to: number): boolean {
    return this.visible[to] > this.visible[from];
  }

  private cost(pos: number, lead: number, end: number, span: Span): number {
    return lead + (end - pos) + span.close.length;
  }

  private softCut(pos: number, lead: number, from: number): Cut | undefined {
    const best: Array<Cut | undefined> = [];
    for (let i = from; i < this.cuts.length; i++) {
      const cut = this.cuts[i];
      if (lead + cut.end - pos > this.limit) break;
      if (cut.end <= pos || this.cost(pos, lead, cut.end, cut.span) > this.limit) continue;
      if (!this.hasVisible(pos, cut.end)) continue;
      best[cut.rank] = cut;
    }
    let furthest: Cut | undefined;
    for (let rank: number = Rank.Paragraph; rank >= Rank.SpanSpace; rank--) {
      const cut = best[rank];
      if (cut && (!furthest || cut.end > furthest.end)) furthest = cut;
      if (furthest && this.cost(pos, lead, furthest.end, furthest.span) >= this.minFill * this.limit) return furthest;
    }
    return furthest;
  }

  private hardCut(pos: number, lead: number, from: number): Cut | undefined {
    let best: Cut | undefined;
    for (let i = from; i < this.spans.length; i++) {
      const span = this.spans[i];
      if (lead + span.start - pos > this.limit) break;
      const lo = Math.max(span.start, pos);
      let min = lo + 1;
      let max = Math.min(span.end - 1, pos + this.limit - lead - span.close.length);
      if (span.afterOpen) min = Math.max(min, span.firstVisible + 1);
      if (span.beforeClose) max = Math.min(max, span.lastVisible);
      const at = lastCutIndex(this.text, lo, min, max, this.canCutAt);
      if (at < 0 || !this.hasVisible(pos, at)) continue;
      best = { end: at, resume: at, rank: Rank.Hard, span, midLine: true };
    }
    return best;
  }

  private bareCut(pos: number, from: number): { from: number; end: number; span: Span } {
    for (let i = from; i < this.spans.length; i++) {
      const span = this.spans[i];
      const start = Math.max(span.start, pos);
      if (!this.hasVisible(start, span.end)) continue;
      const end = lastCutIndex(this.text, start, start + 1, Math.min(span.end, start + this.limit), this.canCutAt);
      if (end > start) return { from: start, end, span };
    }
    throw new RangeError(`limit ${this.limit} is too small to hold a single character`);
  }
}
