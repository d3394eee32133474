/**
 * The formatted reply as a flat stream: markup (tags, Markdown delimiters) that is never split,
 * and content that may be, each piece knowing which contexts are open around it. The chunker
 * closes those contexts at the end of a chunk and reopens them at the start of the next.
 */

/** A context (bold span, link, code block, quote) open around some content. */
export interface Frame {
  /** Markup that reopens the context at the start of a chunk. */
  readonly open: string;
  /** Markup that closes the context at the end of a chunk. */
  readonly close: string;
  /** An inline span (bold, link, inline code): splitting inside one is a last resort. */
  readonly inline: boolean;
  /** Preformatted text: whitespace is content, so split only at line ends and drop nothing else. */
  readonly code: boolean;
  /** Characters the platform counts for `open` and `close` (default: their length; 0 for HTML tags). */
  readonly openWidth?: number;
  readonly closeWidth?: number;
}

export interface MarkupToken {
  kind: "markup";
  text: string;
  /** Whether it opens or closes the innermost frame (split points next to those would leave an empty span). */
  role: "open" | "close" | "other";
  /** Shows up as readable text (the URL suffix of a link in plain text). */
  visible: boolean;
  /** Characters the platform counts for it (default: its length). */
  width?: number;
  /** Open contexts after it, outermost first. */
  frames: readonly Frame[];
}

export interface ContentToken {
  kind: "content";
  text: string;
  /** Open contexts, outermost first. */
  frames: readonly Frame[];
  /** May be split at its whitespace (false for list markers and line prefixes). */
  breakable: boolean;
}

export type Token = MarkupToken | ContentToken;

export interface TokenStream {
  tokens: Token[];
  /** Contexts still open at the end (an unclosed code fence); the last chunk closes them. */
  endFrames: readonly Frame[];
}

/** Builds a token stream, tracking the open frames and merging adjacent content of the same context. */
export class TokenBuilder {
  private readonly tokens: Token[] = [];
  private stack: readonly Frame[] = [];

  get frames(): readonly Frame[] {
    return this.stack;
  }

  content(text: string, breakable = true): void {
    if (!text) return;
    const last = this.tokens[this.tokens.length - 1];
    if (last?.kind === "content" && last.frames === this.stack && last.breakable === breakable) {
      last.text += text;
      return;
    }
    this.tokens.push({ kind: "content", text, frames: this.stack, breakable });
  }

  /** Writes markup; `width` is what the platform counts for it (default: its length). */
  markup(text: string, role: MarkupToken["role"] = "other", visible = false, width?: number): void {
    this.tokens.push({ kind: "markup", text, role, visible: visible && /\S/.test(text), width, frames: this.stack });
  }

  /** Opens `frame`; `text` is the markup written here (defaults to the frame's reopen markup). */
  open(frame: Frame, text: string = frame.open, visible = false, width?: number): void {
    this.stack = [...this.stack, frame];
    this.markup(text, "open", visible, width);
  }

  /** Closes the innermost frame with `text` (defaults to its close markup). */
  close(text?: string, visible = false, width?: number): void {
    const frame = this.stack[this.stack.length - 1];
    if (!frame) throw new Error("close() without an open frame");
    this.stack = this.stack.slice(0, -1);
    this.markup(text ?? frame.close, "close", visible, width);
  }

  finish(): TokenStream {
    return { tokens: this.tokens, endFrames: this.stack };
  }
}

/** The markup that reopens `frames` (outermost first). */
export function reopenMarkup(frames: readonly Frame[]): string {
  let out = "";
  for (const frame of frames) out += frame.open;
  return out;
}

/** The markup that closes `frames` (innermost first). */
export function closeMarkup(frames: readonly Frame[]): string {
  let out = "";
  for (let i = frames.length - 1; i >= 0; i--) out += frames[i].close;
  return out;
}

/** Characters the platform counts for {@link reopenMarkup} of `frames`. */
export function reopenWidth(frames: readonly Frame[]): number {
  let width = 0;
  for (const frame of frames) width += frame.openWidth ?? frame.open.length;
  return width;
}

/** Characters the platform counts for {@link closeMarkup} of `frames`. */
export function closeWidth(frames: readonly Frame[]): number {
  let width = 0;
  for (const frame of frames) width += frame.closeWidth ?? frame.close.length;
  return width;
}
