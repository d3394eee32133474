/**
 * Test helpers for the formatter: checkers of what a platform accepts, the oracle for "no text
 * lost", and a generator of realistic replies. Not part of the build.
 */
import type { ReplyFormat } from "./render.js";
import { seededRandom } from "../../../test/reliability/prng.js";


const TELEGRAM_TAGS = new Set(["b", "strong", "i", "em", "u", "s", "del", "code", "pre", "a", "blockquote", "tg-spoiler"]);
const NON_STYLE = new Set(["code", "pre", "a", "blockquote"]);

/** Returns why `html` is not a well-formed Telegram HTML message on its own, or "" when it is. */
export function htmlProblem(html: string): string {
  const stack: string[] = [];
  const pattern = /<(\/?)([^\s>/]*)([^>]*)>|&([^;\s&<>]*);?|[<>]/g;
  for (const m of html.matchAll(pattern)) {
    if (m[0] === "<" || m[0] === ">") return `bare ${m[0]} at ${m.index}`;
    if (m[0].startsWith("&")) {
      if (!/^&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);$/i.test(m[0])) return `bad entity ${m[0]}`;
      continue;
    }
    const [, closing, name, attrs] = m;
    if (!TELEGRAM_TAGS.has(name)) return `tag <${name}> not allowed`;
    if (closing) {
      if (stack.pop() !== name) return `</${name}> does not close the open tag`;
      continue;
    }
    const parent = stack[stack.length - 1];
    const codeInPre = name === "code" && parent === "pre";
    if (name === "a" ? !/^ href="[^"<>]*"$/.test(attrs) : codeInPre ? !/^( class="language-[\w#+.-]+")?$/.test(attrs) : attrs !== "") {
      return `bad attributes on <${name}>: ${attrs}`;
    }
    if (stack.includes("code") || (stack.includes("pre") && !codeInPre)) return `<${name}> inside code`;
    if (NON_STYLE.has(name) && !codeInPre && stack.some((t) => NON_STYLE.has(t))) return `<${name}> nested in ${stack.join(">")}`;
    stack.push(name);
  }
  return stack.length ? `unclosed ${stack.join(",")}` : "";
}

const FENCE_OPEN = /^(?:\s*>)*\s*(?:(?:[-*+]|\d+[.)])\s+)*(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^(?:\s*>)*\s*(`{3,}|~{3,})\s*$/;

/** Returns why a Discord message has an open code fence or an unbalanced `**`, `~~` or backtick, or "". */
export function chatMarkdownProblem(text: string): string {
  let fence = "";
  for (const line of text.split("\n")) {
    if (fence) {
      const close = FENCE_CLOSE.exec(line);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) fence = "";
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !(open[1][0] === "`" && open[2].includes("`"))) {
      fence = open[1];
      continue;
    }
    const unescaped = line.replace(/\\./g, "");
    if ((unescaped.match(/`/g) ?? []).length % 2) return `odd backticks in: ${line}`;
    const outsideCode = unescaped.replace(/`[^`]*`/g, "");
    if ((outsideCode.match(/\*\*/g) ?? []).length % 2) return `unbalanced ** in: ${line}`;
    if ((outsideCode.match(/~~/g) ?? []).length % 2) return `unbalanced ~~ in: ${line}`;
  }
  return fence ? `code fence ${fence} left open` : "";
}

export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The text the platform counts against its limit: Telegram's after parsing the HTML (entities as one character), others' as sent. */
export function countedText(text: string, format: ReplyFormat): string {
  if (format !== "html") return text;
  return text.replace(/<[^>]*>/g, "").replace(/&(?:amp|lt|gt|quot|#\d+|#x[0-9a-f]+);/gi, "&");
}

export function countedLength(text: string, format: ReplyFormat): number {
  return countedText(text, format).length;
}

export function alnum(s: string): string {
  return (s.match(/[\p{L}\p{N}]/gu) ?? []).join("");
}

export function isSubsequence(needle: string, haystack: string): boolean {
  let k = 0;
  for (let i = 0; i < haystack.length && k < needle.length; i++) if (haystack[i] === needle[k]) k++;
  return k === needle.length;
}

/** Fence lines' info strings (` ```ts `): the language is markup, never shown as text. */
const FENCE_INFO = /^((?:[ \t]*(?:>|[-*+]|\d{1,9}[.)]))*[ \t]*(?:`{3,}|~{3,}))(.*)$/gm;

/**
 * The letters and digits of a reply a reader must find, in order, in what is sent: all of them
 * except a fence's info string (the language name). Lenient where unsure (any line that could open
 * a fence loses its info), never stricter than the renderer must be.
 */
export function readableLetters(markdown: string): string {
  return alnum(markdown.replace(/\r\n?/g, "\n").replace(FENCE_INFO, "$1"));
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

export function clusters(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment);
}

/** A character that never starts a cluster: it joins the one before it (marks, joiners, selectors, skin tones) or is half a pair. */
const DEPENDENT = /^(?:\p{M}|\u200d|\ufe0e|\ufe0f|\p{Emoji_Modifier}|[\udc00-\udfff])/u;
const LONE_REGIONAL_INDICATOR = /^[\u{1f1e6}-\u{1f1ff}]$/u;

/** How far in from each end of a part to look for a broken cluster. */
const EDGE = 96;

/**
 * A piece of a grapheme cluster at either end of `text` (where a cut would leave one): a cluster
 * that starts with a joining character, ends with a zero-width joiner, or is half a flag; or
 * undefined. Inside a part nothing is cut, so only the ends are read (Intl.Segmenter is slow).
 */
export function brokenCluster(text: string): string | undefined {
  const head = clusters(text.slice(0, EDGE));
  const tail = clusters(text.slice(-EDGE));
  // The window's own inner edge may cut a cluster: not the part's doing.
  const first = text.length > EDGE ? head.slice(0, -1) : head;
  const last = text.length > EDGE ? tail.slice(1) : tail;
  return [...first.slice(0, 3), ...last.slice(-3)].find(
    (c) => DEPENDENT.test(c) || c.endsWith("\u200d") || LONE_REGIONAL_INDICATOR.test(c),
  );
}


/** The reliability suites' seeded generator (mulberry32), as a bare `() => number`. */
export function mulberry32(seed: number): () => number {
  return seededRandom(seed).next;
}

const WORDS = ["alpha", "beta", "gamma", "delta", "token", "cooldown", "profile", "naïve", "日本語", "Straße", "x2", "42"];
const ODD_WORDS = ["a&b", "<script>", "x<y>z", "AT&T", '"quoted"', "👍", "👨‍👩‍👧‍👦", "🇫🇷", "👋🏽", "e\u0301", "𝒳𝒴"];

export class MarkdownGenerator {
  constructor(private readonly random: () => number) {}

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  private word(): string {
    const roll = this.random();
    if (roll < 0.08) return this.pick(ODD_WORDS);
    if (roll < 0.1) return Array.from({ length: this.int(30, 600) }, () => this.pick(["a", "b", "é", "😀", "7"])).join("");
    return this.pick(WORDS);
  }

  private phrase(min = 1, max = 6): string {
    return Array.from({ length: this.int(min, max) }, () => this.word()).join(" ");
  }

  private inlineItem(): string {
    const roll = this.random();
    if (roll < 0.08) return `**${this.phrase()}**`;
    if (roll < 0.13) return `*${this.phrase()}*`;
    if (roll < 0.16) return `_${this.phrase()}_`;
    if (roll < 0.21) return `\`${this.pick(["x < y && z", "npm i", "a|b", "é", this.phrase(1, 3)])}\``;
    if (roll < 0.24) return `~~${this.phrase()}~~`;
    if (roll < 0.28) return `[${this.phrase(1, 3)}](https://example.com/${this.pick(["a", "b_c", "q?x=1&y=2"])})`;
    if (roll < 0.29) return `**bold with \`code\` and [link](https://x.org)**`;
    return this.word();
  }

  paragraph(maxItems = 60): string {
    const items = Array.from({ length: this.int(1, maxItems) }, () => this.inlineItem());
    let out = "";
    items.forEach((item, k) => {
      out += k === 0 ? item : this.random() < 0.05 ? `\n${item}` : ` ${item}`;
    });
    return out;
  }

  private block(): string {
    const roll = this.random();
    if (roll < 0.1) return `${"#".repeat(this.int(1, 3))} ${this.phrase(1, 5)}`;
    if (roll < 0.25) {
      const ordered = this.random() < 0.5;
      return Array.from({ length: this.int(1, 12) }, (_, k) => {
        const item = `${ordered ? `${k + 1}.` : "-"} ${this.paragraph(12).replace(/\n/g, " ")}`;
        return this.random() < 0.2 ? `${item}\n${ordered ? "   " : "  "}- ${this.phrase()}` : item;
      }).join("\n");
    }
    if (roll < 0.35) {
      return Array.from({ length: this.int(1, 4) }, () => `> ${this.paragraph(15).replace(/\n/g, " ")}`).join("\n");
    }
    if (roll < 0.5) {
      const lang = this.pick(["", "ts", "python", "c++"]);
      const lines = Array.from({ length: this.int(1, 40) }, () =>
        `${" ".repeat(this.int(0, 3) * 2)}${this.pick(["const a = b < c && d;", "if x > 0:", "return **kwargs", this.phrase(1, 12), "", this.word()])}`,
      );
      return `\`\`\`${lang}\n${lines.join("\n")}\n\`\`\``;
    }
    if (roll < 0.53) return "---";
    return this.paragraph();
  }

  document(): string {
    return Array.from({ length: this.int(1, 12) }, () => this.block()).join("\n\n");
  }
}
