/**
 * Telegram's `parse_mode: "HTML"` parser, as the Bot API applies it: the text is
 * trimmed, tags become entities (offsets in UTF-16 code units), and malformed
 * markup is rejected with Telegram's own wording, e.g.
 * `Unsupported start tag "br" at byte offset 5`.
 */

export interface TelegramEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  /** text_mention: the user mentioned. */
  user?: { id: number };
  language?: string;
  custom_emoji_id?: string;
}

export interface ParsedHtml {
  text: string;
  entities: TelegramEntity[];
}

/** Thrown for markup Telegram refuses; the message is what follows "can't parse entities: ". */
export class HtmlParseError extends Error {
  override name = "HtmlParseError";
}

const SUPPORTED_TAGS = new Set([
  "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
  "span", "tg-spoiler", "tg-emoji", "code", "pre", "blockquote",
]);

const SIMPLE_ENTITY: Record<string, string> = {
  b: "bold", strong: "bold", i: "italic", em: "italic", u: "underline", ins: "underline",
  s: "strikethrough", strike: "strikethrough", del: "strikethrough", "tg-spoiler": "spoiler",
};

const NAMED_CHAR_REFS: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface OpenTag {
  name: string;
  /** href, code language, span class, emoji id, or "expandable". */
  argument?: string;
  /** Output offset (UTF-16) where the entity starts. */
  offset: number;
  /** Source index of the "<". */
  sourceIndex: number;
}

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);

/** Decodes `&lt;`, `&#65;`, `&#x41;` at `index`; undefined when it is a bare "&". */
function decodeCharRef(source: string, index: number): { value: string; end: number } | undefined {
  const match = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));/.exec(source.slice(index, index + 12));
  if (!match) return undefined;
  let value: string | undefined;
  if (match[1] !== undefined || match[2] !== undefined) {
    const code = match[1] !== undefined ? Number(match[1]) : parseInt(match[2], 16);
    if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) value = String.fromCodePoint(code);
  } else {
    value = NAMED_CHAR_REFS[match[3].toLowerCase()];
  }
  return value === undefined ? undefined : { value, end: index + match[0].length };
}

/**
 * Parse Telegram HTML. Throws {@link HtmlParseError} for markup the Bot API rejects.
 *
 * @example parseTelegramHtml("<b>hi</b> there") // { text: "hi there", entities: [{type:"bold",offset:0,length:2}] }
 */
export function parseTelegramHtml(input: string): ParsedHtml {
  const source = input.trim();
  const byteOffset = (index: number) => Buffer.byteLength(source.slice(0, index), "utf8");
  const open: OpenTag[] = [];
  const entities: TelegramEntity[] = [];
  let out = "";
  let i = 0;

  while (i < source.length) {
    const ch = source[i];
    if (ch === "&") {
      const ref = decodeCharRef(source, i);
      if (ref) {
        out += ref.value;
        i = ref.end;
        continue;
      }
    }
    if (ch !== "<") {
      out += ch;
      i++;
      continue;
    }

    const tagStart = i;
    i++;
    if (source[i] !== "/") {
      const nameStart = i;
      while (i < source.length && !isSpace(source[i]) && source[i] !== ">") i++;
      if (i >= source.length) throw new HtmlParseError(`Unclosed start tag at byte offset ${byteOffset(tagStart)}`);
      const name = source.slice(nameStart, i).toLowerCase();
      if (!SUPPORTED_TAGS.has(name)) {
        throw new HtmlParseError(`Unsupported start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
      }
      const result = readAttributes(source, i, name, () => byteOffset(tagStart));
      i = result.end + 1;
      if (name === "span" && result.argument !== "tg-spoiler") {
        throw new HtmlParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(tagStart)}`);
      }
      open.push({ name, argument: result.argument, offset: out.length, sourceIndex: tagStart });
      continue;
    }

    // End tag.
    if (open.length === 0) throw new HtmlParseError(`Unexpected end tag at byte offset ${byteOffset(tagStart)}`);
    i++;
    const nameStart = i;
    while (i < source.length && !isSpace(source[i]) && source[i] !== ">") i++;
    const name = source.slice(nameStart, i).toLowerCase();
    while (i < source.length && isSpace(source[i])) i++;
    if (source[i] !== ">") throw new HtmlParseError(`Unclosed end tag at byte offset ${byteOffset(tagStart)}`);
    i++;
    const tag = open.pop() as OpenTag;
    if (name !== "" && name !== tag.name) {
      throw new HtmlParseError(
        `Unmatched end tag at byte offset ${byteOffset(tagStart)}, expected "</${tag.name}>", found "</${name}>"`,
      );
    }
    closeEntity(tag, out.length, entities);
  }

  if (open.length > 0) {
    throw new HtmlParseError(`Can't find end tag corresponding to start tag "${open[open.length - 1].name}"`);
  }

  const text = out.trimEnd();
  const clipped = entities
    .map(({ language, ...e }) => ({
      ...e,
      // Telegram keeps a language only on <pre>; a lone <code class="language-x"> loses it.
      ...(e.type === "pre" && language ? { language } : {}),
      length: Math.min(e.length, text.length - e.offset),
    }))
    .filter((e) => e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities: clipped };
}

function readAttributes(
  source: string,
  start: number,
  tagName: string,
  tagOffset: () => number,
): { argument?: string; end: number } {
  let i = start;
  let argument: string | undefined;
  while (source[i] !== ">") {
    while (i < source.length && isSpace(source[i])) i++;
    if (source[i] === ">") break;
    const nameStart = i;
    while (i < source.length && !isSpace(source[i]) && !"=>/\"'".includes(source[i])) i++;
    const attr = source.slice(nameStart, i).toLowerCase();
    if (attr === "") throw new HtmlParseError(`Empty attribute name in the tag "${tagName}" at byte offset ${tagOffset()}`);
    while (i < source.length && isSpace(source[i])) i++;
    if (source[i] !== "=") {
      if (i >= source.length) throw new HtmlParseError(`Unclosed start tag "${tagName}" at byte offset ${tagOffset()}`);
      if (tagName === "blockquote" && attr === "expandable") argument = "expandable";
      continue;
    }
    i++;
    while (i < source.length && isSpace(source[i])) i++;
    if (i >= source.length) throw new HtmlParseError(`Unclosed start tag "${tagName}" at byte offset ${tagOffset()}`);
    let value = "";
    const quote = source[i];
    if (quote === '"' || quote === "'") {
      i++;
      while (i < source.length && source[i] !== quote) {
        const ref = source[i] === "&" ? decodeCharRef(source, i) : undefined;
        if (ref) {
          value += ref.value;
          i = ref.end;
        } else {
          value += source[i++];
        }
      }
      i++;
    } else {
      const valueStart = i;
      while (i < source.length && /[A-Za-z0-9.-]/.test(source[i])) i++;
      value = source.slice(valueStart, i).toLowerCase();
      if (i < source.length && !isSpace(source[i]) && source[i] !== ">") {
        throw new HtmlParseError(`Unexpected end of name token at byte offset ${Buffer.byteLength(source.slice(0, valueStart))}`);
      }
    }
    if (i >= source.length) throw new HtmlParseError(`Unclosed start tag at byte offset ${tagOffset()}`);
    if (tagName === "a" && attr === "href") argument = value;
    else if (tagName === "code" && attr === "class" && value.startsWith("language-")) argument = value.slice(9);
    else if (tagName === "span" && attr === "class") argument = value;
    else if (tagName === "tg-emoji" && attr === "emoji-id") argument = value;
  }
  return { argument, end: i };
}

function closeEntity(tag: OpenTag, end: number, entities: TelegramEntity[]): void {
  const offset = tag.offset;
  const length = end - offset;
  if (length <= 0) return;
  const last = entities[entities.length - 1];
  const sameRange = last !== undefined && last.offset === offset && last.length === length;
  const simple = SIMPLE_ENTITY[tag.name] ?? (tag.name === "span" ? "spoiler" : undefined);
  if (simple) {
    entities.push({ type: simple, offset, length });
  } else if (tag.name === "a") {
    // Like Telegram: a link to tg://user?id=N is an inline mention of that user, which notifies them.
    const mentioned = /^tg:\/\/user\?id=(\d+)/i.exec((tag.argument ?? "").trim());
    if (mentioned) entities.push({ type: "text_mention", offset, length, user: { id: Number(mentioned[1]) } });
    else entities.push({ type: "text_link", offset, length, url: tag.argument ?? "" });
  } else if (tag.name === "tg-emoji") {
    if (!tag.argument || !/^\d+$/.test(tag.argument)) throw new HtmlParseError("Invalid custom emoji identifier specified");
    entities.push({ type: "custom_emoji", offset, length, custom_emoji_id: tag.argument });
  } else if (tag.name === "code") {
    if (sameRange && last.type === "pre") {
      if (tag.argument) last.language = tag.argument;
    } else {
      entities.push({ type: "code", offset, length, ...(tag.argument ? { language: tag.argument } : {}) });
    }
  } else if (tag.name === "pre") {
    if (sameRange && last.type === "code") {
      last.type = "pre";
    } else {
      entities.push({ type: "pre", offset, length });
    }
  } else if (tag.name === "blockquote") {
    entities.push({ type: tag.argument === "expandable" ? "expandable_blockquote" : "blockquote", offset, length });
  }
}
