import { parseBlocks, type Block } from "./blocks.js";
import { inlineText, parseInline, type InlineNode } from "./inline.js";
import { TokenBuilder, type TokenStream } from "./tokens.js";

/**
 * Renders parsed Markdown into a token stream through a {@link Dialect} (Telegram HTML or
 * plain text). Layout is shared: blocks separated by blank lines, headings as bold lines,
 * list items as "• " / "1. " lines indented by nesting, code blocks verbatim.
 *
 * Nesting follows Telegram's rules for every dialect, so plain text and HTML always agree:
 * nothing nests inside code; code, pre, links and quotes never contain one another (an inner
 * one is dropped, a dropped link shows its URL after the label); a style is not nested in itself.
 */

export type MarkKind = "strong" | "em" | "strike" | "spoiler" | "code" | "pre" | "link" | "quote";

export interface Mark {
  kind: MarkKind;
  /** pre: code block language (sanitized, may be empty). */
  lang?: string;
  /** link: target URL. */
  href?: string;
  /** link: the label's text when it is plain text (no nested markup). */
  label?: string;
}

/** Characters the platform counts for a mark's markup. */
export interface MarkWidths {
  /** Where the mark opens and closes in the text. */
  open: number;
  close: number;
  /** Where a chunk that splits the mark reopens it, and where it closes it at the cut. */
  reopen: number;
  cut: number;
}

export interface Dialect {
  escape(text: string): string;
  open(mark: Mark): string;
  close(mark: Mark): string;
  /** Markup is readable text (plain text's " (url)" after a link). */
  markupVisible: boolean;
  /** What the platform counts for a mark's markup; default: the markup's length. */
  widths?(mark: Mark): MarkWidths;
}

const ENTITIES = new Set<MarkKind>(["code", "pre", "link", "quote"]);
/**
 * Targets that become real links. Only web links: a `tg://user?id=` link in Telegram HTML is a
 * mention, and model output must not mention (notify) people; other schemes show as text.
 */
const LINKABLE = /^https?:\/\/\S+$/i;
const RULE_TEXT = "———";

/** True when a link's label already says where it goes, so no " (url)" is added in plain text. */
export function labelShowsTarget(label: string, href: string): boolean {
  return label === href || `mailto:${label}` === href;
}

export function renderDocument(markdown: string, dialect: Dialect): TokenStream {
  const writer = new DocumentWriter(dialect);
  writer.blocks(parseBlocks(markdown), "\n\n");
  return writer.finish();
}

class DocumentWriter {
  private readonly out = new TokenBuilder();
  private readonly marks: Mark[] = [];
  /** For each push(): whether it opened a frame, so pop() stays symmetric. */
  private readonly opened: boolean[] = [];
  private indent = "";
  private atLineStart = true;

  constructor(private readonly dialect: Dialect) {}

  finish(): TokenStream {
    return this.out.finish();
  }

  blocks(blocks: Block[], separator: string): void {
    let previous: Block | undefined;
    for (const block of blocks) {
      if (isEmpty(block)) continue;
      // A heading stays with what follows it.
      if (previous) this.text(separator, previous.type !== "heading");
      previous = block;
      this.block(block);
    }
  }

  private block(block: Block): void {
    switch (block.type) {
      case "paragraph":
        this.inline(parseInline(block.text));
        return;
      case "heading":
        this.push({ kind: "strong" });
        this.inline(parseInline(block.text));
        this.pop();
        return;
      case "code":
        this.push({ kind: "pre", lang: sanitizeLang(block.lang) });
        this.text(block.text);
        this.pop();
        return;
      case "quote":
        this.push({ kind: "quote" });
        this.blocks(block.children, "\n\n");
        this.pop();
        return;
      case "list":
        this.list(block);
        return;
      case "rule":
        this.text(RULE_TEXT);
        return;
    }
  }

  private list(list: Extract<Block, { type: "list" }>): void {
    const outer = this.indent;
    list.items.forEach((item, k) => {
      if (k > 0) this.text("\n");
      const marker = list.ordered ? `${list.numbers[k]}. ` : "• ";
      // An empty item is just its marker: no trailing space, so the text never outgrows the source.
      this.text(item.every(isEmpty) ? marker.trimEnd() : marker, false);
      this.indent = outer + " ".repeat(marker.length);
      this.blocks(item, "\n");
      this.indent = outer;
    });
  }

  private inline(nodes: InlineNode[]): void {
    for (const node of nodes) {
      switch (node.type) {
        case "text":
          this.text(node.text);
          break;
        case "break":
          this.text("\n");
          break;
        case "code":
          this.push({ kind: "code" });
          this.text(node.text);
          this.pop();
          break;
        case "link":
          this.link(node);
          break;
        default:
          this.push({ kind: node.type });
          this.inline(node.children);
          this.pop();
      }
    }
  }

  private link(node: Extract<InlineNode, { type: "link" }>): void {
    const label = inlineText(node.children);
    if (!label.trim()) {
      this.text(node.href);
      return;
    }
    // The label is compared with the URL only when it is plain text, as a reader of the rendered
    // label would see it; with nested markup it never counts as showing the URL.
    const plainLabel = node.children.every((child) => child.type === "text") ? label : undefined;
    const linked = LINKABLE.test(node.href) && this.push({ kind: "link", href: node.href, label: plainLabel });
    this.inline(node.children);
    if (LINKABLE.test(node.href)) this.pop();
    if (linked) return;
    if (!labelShowsTarget(label, node.href)) this.text(` (${node.href})`);
  }

  /** Opens `mark` when the nesting rules allow it; returns whether it did. Always pair with pop(). */
  private push(mark: Mark): boolean {
    const open = this.marks.map((m) => m.kind);
    const allowed =
      !open.includes("code") &&
      !open.includes("pre") &&
      !open.includes(mark.kind) &&
      !(ENTITIES.has(mark.kind) && open.some((kind) => ENTITIES.has(kind)));
    this.opened.push(allowed);
    if (allowed) {
      // A line's indentation goes before the spans opened at its start, not inside them (a link's label is its own).
      if (this.atLineStart && this.indent && mark.kind !== "pre" && mark.kind !== "quote") {
        this.out.content(this.indent, false);
        this.atLineStart = false;
      }
      this.marks.push(mark);
      const widths = this.dialect.widths?.(mark);
      const frame = {
        open: this.dialect.open(mark),
        close: this.dialect.close(mark),
        inline: mark.kind !== "pre" && mark.kind !== "quote",
        code: mark.kind === "code" || mark.kind === "pre",
        openWidth: widths?.reopen,
        closeWidth: widths?.cut,
      };
      this.out.open(frame, frame.open, this.dialect.markupVisible, widths?.open);
    }
    return allowed;
  }

  private pop(): void {
    if (!this.opened.pop()) return;
    const mark = this.marks.pop()!;
    this.out.close(undefined, this.dialect.markupVisible, this.dialect.widths?.(mark).close);
  }

  /** Writes text, indenting each new line to the current list depth (except inside code). */
  private text(raw: string, breakable = true): void {
    let from = 0;
    for (;;) {
      const newline = raw.indexOf("\n", from);
      const line = newline < 0 ? raw.slice(from) : raw.slice(from, newline);
      if (line) {
        if (this.atLineStart && this.indent && !this.marks.some((m) => m.kind === "code" || m.kind === "pre")) this.out.content(this.indent, false);
        this.out.content(this.dialect.escape(line), breakable);
        this.atLineStart = false;
      }
      if (newline < 0) return;
      this.out.content("\n", breakable);
      this.atLineStart = true;
      from = newline + 1;
    }
  }
}

function isEmpty(block: Block): boolean {
  switch (block.type) {
    case "paragraph":
    case "heading":
    case "code":
      return !block.text.trim();
    case "quote":
      return block.children.every(isEmpty);
    case "list":
      return block.items.length === 0;
    case "rule":
      return false;
  }
}

function sanitizeLang(lang: string): string {
  return /^[\w#+.-]{1,32}$/.test(lang) ? lang : "";
}
