import { lastCutIndex, type CutFilter } from "./boundaries.js";
import { closeMarkup, closeWidth, reopenMarkup, reopenWidth, type Frame, type Token, type TokenStream } from "./tokens.js";

/**
 * Splits a token stream into chunks of at most `limit` characters as the platform counts them
 * (markup widths and HTML entities included), each one well-formed on its own: contexts open at
 * a cut are closed at the end of the chunk and reopened in the next.
 *
 * Split points, strongest first: blank lines between blocks, line ends, spaces outside inline
 * spans, spaces inside inline spans; where none fits, the furthest of a boundary between two
 * spans (`<i>a</i>|<i>b</i>`) and a grapheme boundary inside a word. A stronger split point wins
 * as long as the chunk stays `minFill` full. Whitespace at a cut is dropped (line indentation
 * after it is kept); nothing else is.
 *
 * With `maxChunks`, if those preferences make more chunks than that, the split is redone so it
 * stays within them where it can: a preferred split point is then taken only while the room left
 * unused so far stays within the slack (`maxChunks × limit` minus the text's width), shared out
 * in proportion to how far the split has got; otherwise the cut that carries the most text wins.
 * If even that is too many, a last pass fills every chunk as far as it goes. The result is the
 * pass with the fewest chunks, which may still be more than `maxChunks` (markup repeated in every
 * chunk of a long span); the caller decides what to do then.
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
  /** Content is HTML-escaped text: an entity such as `&amp;` counts as the one character it stands for. */
  html?: boolean;
  /** Most chunks wanted; see above. */
  maxChunks?: number;
}

/** Split point strength. */
const Rank = { Hard: 0, SpanSpace: 1, Space: 2, Line: 3, Paragraph: 4 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];
const SOFT_RANKS: readonly Rank[] = [Rank.Paragraph, Rank.Line, Rank.Space, Rank.SpanSpace];

/** Where one opened frame's content lies: [openAt, closeAt) of the text. */
interface Extent {
  openAt: number;
  closeAt: number;
}

interface Segment {
  start: number;
  end: number;
  frames: readonly Frame[];
  markup: FrameMarkup;
  /** The innermost open frame's extent. */
  extent?: Extent;
  breakable: boolean;
  text: string;
}

interface Cut {
  end: number;
  resume: number;
  rank: Rank;
  frames: readonly Frame[];
  /** The frames' markup (looked up once per segment, not per candidate). */
  markup: FrameMarkup;
  extent?: Extent;
  midLine: boolean;
}

interface FrameMarkup {
  reopen: string;
  close: string;
  reopenWidth: number;
  closeWidth: number;
}

const WHITESPACE_RUN = /[ \t\n]+/g;

/** Whitespace for deciding whether a chunk has anything to read (split points use only space, tab and newline). */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x200b || code === 0xfeff || code === 0x3000;
}

function isBreakSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n";
}

export function chunkTokens(stream: TokenStream, options: ChunkOptions): string[] {
  return chunkStream(stream, options).chunks;
}

/** What {@link chunkStream} made of a stream. */
export interface Chunked {
  chunks: string[];
  /** Some chunk could not hold its open contexts' markup and went without it (see {@link chunkTokens}). */
  bare: boolean;
}

/** {@link chunkTokens}, also telling whether any chunk went bare. */
export function chunkStream(stream: TokenStream, options: ChunkOptions): Chunked {
  return new Chunker(stream, options).run();
}

class Chunker {
  private readonly text: string;
  private readonly segments: Segment[] = [];
  /** Cuts between spans, in text order. */
  private readonly boundaries: Cut[] = [];
  /** All split points in text order; collected on first need (most replies fit in one chunk). */
  private cutList?: Cut[];
  /** width[i]: characters the platform counts in text[0, i). */
  private readonly width: Int32Array;
  /** visible[i]: readable characters in text[0, i). */
  private readonly visible: Int32Array;
  private readonly markups = new Map<readonly Frame[], FrameMarkup>();
  private readonly end: FrameMarkup;
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
    this.end = this.markupOf(stream.endFrames);
    const tokens = stream.tokens;
    let length = 0;
    for (const token of tokens) length += token.text.length;
    this.text = tokens.map((t) => t.text).join("");
    this.width = new Int32Array(length + 1);
    this.visible = new Int32Array(length + 1);
    const open: Extent[] = [];
    let at = 0;
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t];
      const start = at;
      at += token.text.length;
      if (token.kind === "markup") {
        this.measureMarkup(start, token.text, token.width ?? token.text.length, token.visible);
        if (token.role === "open") open.push({ openAt: at, closeAt: length });
        if (token.role === "close") open.pop()!.closeAt = start;
      } else {
        this.measureContent(start, token.text);
        const { frames, breakable, text } = token;
        this.segments.push({ start, end: at, frames, markup: this.markupOf(frames), extent: open[open.length - 1], breakable, text });
      }
      const next = tokens[t + 1];
      if (next && this.isSpanBoundary(token, next)) {
        const markup = this.markupOf(token.frames);
        this.boundaries.push({ end: at, resume: at, rank: Rank.Hard, frames: token.frames, markup, extent: open[open.length - 1], midLine: true });
      }
    }
  }

  private get cuts(): Cut[] {
    if (!this.cutList) {
      const cuts: Cut[] = [...this.boundaries];
      for (const segment of this.segments) if (segment.breakable) this.collectCuts(cuts, segment);
      this.cutList = cuts.sort((a, b) => a.end - b.end);
    }
    return this.cutList;
  }

  run(): Chunked {
    let best = this.split();
    const { maxChunks } = this.options;
    if (maxChunks === undefined) return best;
    // Slack shared out first; none at all (every chunk as full as it goes) if that was not enough.
    for (const slack of [maxChunks * this.limit - this.width[this.text.length], 0]) {
      if (best.chunks.length <= maxChunks) break;
      const filled = this.split(slack);
      if (filled.chunks.length < best.chunks.length) best = filled;
    }
    return best;
  }

  /** A cut between two tokens: after a closing or before an opening of a span, with no space to cut at instead. */
  private isSpanBoundary(token: Token, next: Token): boolean {
    if (token.kind === "markup" ? token.role === "open" : !token.breakable) return false;
    if (next.kind === "markup" && next.role === "close") return false;
    return !isBreakSpace(token.text[token.text.length - 1]) && !isBreakSpace(next.text[0]);
  }

  private measureMarkup(start: number, text: string, width: number, visible: boolean): void {
    const widths = this.width;
    const readable = this.visible;
    for (let i = 0, at = start; i < text.length; i++, at++) {
      widths[at + 1] = widths[at] + (i === 0 ? width : 0);
      readable[at + 1] = readable[at] + (visible && !isSpace(text.charCodeAt(i)) ? 1 : 0);
    }
  }

  private measureContent(start: number, text: string): void {
    const widths = this.width;
    const readable = this.visible;
    const html = this.options.html === true;
    let entityTail = false;
    for (let i = 0, at = start; i < text.length; i++, at++) {
      const code = text.charCodeAt(i);
      // An entity counts once, at its "&"; this module only ever sees the ones an escaper wrote.
      if (html) {
        if (code === 38 /* & */) entityTail = true;
        else if (entityTail && text.charCodeAt(i - 1) === 59 /* ; */) entityTail = false;
      }
      widths[at + 1] = widths[at] + (!entityTail || code === 38 ? 1 : 0);
      readable[at + 1] = readable[at] + (isSpace(code) ? 0 : 1);
    }
  }

  private collectCuts(cuts: Cut[], { text, start, frames, markup, extent }: Segment): void {
    const code = frames[frames.length - 1]?.code === true;
    const inSpan = frames.some((f) => f.inline);
    WHITESPACE_RUN.lastIndex = 0;
    for (let m = WHITESPACE_RUN.exec(text); m; m = WHITESPACE_RUN.exec(text)) {
      const a = start + m.index;
      const run = m[0];
      if (code) {
        let offset = 0;
        for (const part of run.split("\n")) {
          if (offset > 0) cuts.push({ end: a + offset - 1, resume: a + offset, rank: Rank.Line, frames, markup, extent, midLine: false });
          const after = a + offset + part.length;
          if (part) cuts.push({ end: after, resume: after, rank: Rank.SpanSpace, frames, markup, extent, midLine: true });
          offset += part.length + 1;
        }
        continue;
      }
      const lastNewline = run.lastIndexOf("\n");
      const newlines = lastNewline < 0 ? 0 : run.indexOf("\n") === lastNewline ? 1 : 2;
      const rank = inSpan ? Rank.SpanSpace : newlines === 2 ? Rank.Paragraph : newlines === 1 ? Rank.Line : Rank.Space;
      cuts.push({ end: a, resume: a + (newlines > 0 ? lastNewline + 1 : run.length), rank, frames, markup, extent, midLine: newlines === 0 });
    }
  }

  private markupOf(frames: readonly Frame[]): FrameMarkup {
    let markup = this.markups.get(frames);
    if (!markup) {
      markup = { reopen: reopenMarkup(frames), close: closeMarkup(frames), reopenWidth: reopenWidth(frames), closeWidth: closeWidth(frames) };
      this.markups.set(frames, markup);
    }
    return markup;
  }

  /** One pass; with `slack`, preferred split points give way to full chunks as described above. */
  private split(slack?: number): Chunked {
    const chunks: string[] = [];
    let bare = false;
    const text = this.text;
    const total = Math.max(1, this.width[text.length]);
    let pos = 0;
    let frames: readonly Frame[] = [];
    let midLine = false;
    let segmentIndex = 0;
    let cutIndex = 0;
    let unused = 0;
    while (pos < text.length && this.hasVisible(pos, text.length)) {
      while (segmentIndex < this.segments.length && this.segments[segmentIndex].end <= pos) segmentIndex++;
      while (cutIndex < this.cuts.length && this.cuts[cutIndex].end <= pos) cutIndex++;
      const { reopen, reopenWidth } = this.markupOf(frames);
      const escapeAt = midLine ? this.lineStartEscape(reopen, pos, frames) : -1;
      const lead: number = reopenWidth + (escapeAt >= 0 ? 1 : 0);
      const body = (end: number) =>
        escapeAt >= 0 && escapeAt < end - pos ? text.slice(pos, pos + escapeAt) + "\\" + text.slice(pos + escapeAt, end) : text.slice(pos, end);

      if (lead + this.width[text.length] - this.width[pos] + this.end.closeWidth <= this.limit) {
        chunks.push(reopen + body(text.length) + this.end.close);
        break;
      }
      const best = this.candidates(pos, lead, cutIndex);
      const cut =
        slack === undefined
          ? this.preferredCut(pos, lead, best, segmentIndex)
          : this.fillingCut(pos, lead, best, segmentIndex, (c) => unused + this.unusedBy(pos, c) <= (slack * this.width[c.resume]) / total);
      if (cut) {
        chunks.push(reopen + body(cut.end) + cut.markup.close);
        unused += this.unusedBy(pos, cut);
        pos = cut.resume;
        frames = cut.frames;
        midLine = cut.midLine;
        continue;
      }
      // Not even one character fits with the open contexts around it: send a piece bare.
      const piece = this.bareCut(pos, segmentIndex);
      chunks.push(text.slice(piece.from, piece.end));
      bare = true;
      unused += this.limit - (this.width[piece.end] - this.width[pos]);
      pos = piece.end;
      frames = piece.frames;
      midLine = true;
    }
    return { chunks, bare };
  }

  /**
   * For a chunk that starts mid-line: where (from `pos`) a backslash goes so the start does not
   * read as block markup, or -1. Reopened inline markup counts as part of that start: `~~` reopened
   * before text `~~~~` would make a `~~~~~~` fence, so the escape then goes right after the
   * markup. Not inside code or blocks, whose reopened markup is itself the line start.
   */
  private lineStartEscape(reopen: string, pos: number, frames: readonly Frame[]): number {
    const escape = this.options.escapeLineStart;
    if (!escape || !frames.every((frame) => frame.inline && !frame.code)) return -1;
    if (!reopen) return escape(this.text, pos);
    const at = escape(reopen + this.text.slice(pos, pos + 16), 0);
    return at < 0 ? -1 : Math.max(0, at - reopen.length);
  }

  /** Room a chunk ending at `cut` leaves unused, counting what it skips (dropped whitespace) as used. */
  private unusedBy(pos: number, cut: Cut): number {
    return this.limit - (this.width[cut.resume] - this.width[pos]);
  }

  private chunkWidth(pos: number, lead: number, cut: Cut): number {
    return lead + this.width[cut.end] - this.width[pos] + cut.markup.closeWidth;
  }

  /** The furthest fitting split point of each rank (Hard: span boundaries only). */
  private candidates(pos: number, lead: number, from: number): Array<Cut | undefined> {
    const best: Array<Cut | undefined> = [];
    for (let i = from; i < this.cuts.length; i++) {
      const cut = this.cuts[i];
      if (lead + this.width[cut.end] - this.width[pos] > this.limit) break;
      if (this.fits(pos, lead, cut)) best[cut.rank] = cut;
    }
    return best;
  }

  private fits(pos: number, lead: number, cut: Cut): boolean {
    if (cut.end <= pos || this.chunkWidth(pos, lead, cut) > this.limit || !this.hasVisible(pos, cut.end)) return false;
    // Neither this chunk nor the next may hold an empty span (`<b></b>`).
    const extent = cut.extent;
    return !extent || (this.hasVisible(Math.max(pos, extent.openAt), cut.end) && this.hasVisible(cut.resume, extent.closeAt));
  }

  private preferredCut(pos: number, lead: number, best: Array<Cut | undefined>, segmentIndex: number): Cut | undefined {
    let furthest: Cut | undefined;
    for (const rank of SOFT_RANKS) {
      const cut = best[rank];
      if (cut && (!furthest || cut.end > furthest.end)) furthest = cut;
      if (furthest && this.chunkWidth(pos, lead, furthest) >= this.minFill * this.limit) return furthest;
    }
    if (furthest) return furthest;
    const inWord = this.wordCut(pos, lead, segmentIndex);
    const boundary = best[Rank.Hard];
    return !boundary || (inWord && inWord.end > boundary.end) ? inWord : boundary;
  }

  private fillingCut(pos: number, lead: number, best: Array<Cut | undefined>, segmentIndex: number, affordable: (cut: Cut) => boolean): Cut | undefined {
    for (const rank of SOFT_RANKS) {
      const cut = best[rank];
      if (cut && affordable(cut)) return cut;
    }
    // The cut that carries the most, less what the next chunk must reopen.
    const carried = (cut: Cut) => this.width[cut.resume] - cut.markup.reopenWidth;
    let most: Cut | undefined;
    for (const cut of [...SOFT_RANKS.map((rank) => best[rank]), best[Rank.Hard], this.wordCut(pos, lead, segmentIndex)]) {
      if (cut && (!most || carried(cut) > carried(most))) most = cut;
    }
    return most;
  }

  /** The furthest grapheme boundary inside a word where a chunk from `pos` may end. */
  private wordCut(pos: number, lead: number, from: number): Cut | undefined {
    let last = from - 1;
    while (last + 1 < this.segments.length && lead + this.width[this.segments[last + 1].start] - this.width[pos] <= this.limit) last++;
    for (let k = last; k >= from; k--) {
      const segment = this.segments[k];
      const lo = Math.max(segment.start, pos);
      const { extent } = segment;
      const min = Math.max(lo + 1, this.firstVisibleFrom(Math.max(pos, extent?.openAt ?? pos)) + 1);
      let max = Math.min(segment.end - 1, this.lastWithin(this.width[pos] + this.limit - lead - segment.markup.closeWidth, lo, segment.end));
      if (extent) max = Math.min(max, this.lastVisibleBefore(extent.closeAt));
      // A cluster is split only when it starts the chunk: one that does not fit after other text goes in the next chunk.
      const at = lastCutIndex(this.text, lo, min, max, this.canCutAt, !this.hasVisible(pos, lo));
      if (at >= 0) return { end: at, resume: at, rank: Rank.Hard, frames: segment.frames, markup: segment.markup, extent, midLine: true };
    }
    return undefined;
  }

  private bareCut(pos: number, from: number): { from: number; end: number; frames: readonly Frame[] } {
    for (let i = from; i < this.segments.length; i++) {
      const segment = this.segments[i];
      const start = Math.max(segment.start, pos);
      if (!this.hasVisible(start, segment.end)) continue;
      const end = lastCutIndex(this.text, start, start + 1, this.lastWithin(this.width[start] + this.limit, start, segment.end), this.canCutAt);
      if (end > start) return { from: start, end, frames: segment.frames };
    }
    throw new RangeError(`limit ${this.limit} is too small to hold a single character`);
  }

  private hasVisible(from: number, to: number): boolean {
    return to > from && this.visible[to] > this.visible[from];
  }

  /** The largest index in [lo, hi] whose width from the start is at most `width` (lo - 1 when none). */
  private lastWithin(width: number, lo: number, hi: number): number {
    let a = lo - 1;
    let b = hi;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (this.width[mid] <= width) a = mid;
      else b = mid - 1;
    }
    return a;
  }

  /** Index of the first readable character at or after `from` (text length when none). */
  private firstVisibleFrom(from: number): number {
    const target = this.visible[from];
    let a = from;
    let b = this.text.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (this.visible[mid + 1] > target) b = mid;
      else a = mid + 1;
    }
    return a;
  }

  /** Index of the last readable character before `to` (-1 when none). */
  private lastVisibleBefore(to: number): number {
    const count = this.visible[to];
    if (count === 0) return -1;
    let a = 0;
    let b = to - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (this.visible[mid + 1] >= count) b = mid;
      else a = mid + 1;
    }
    return a;
  }
}
