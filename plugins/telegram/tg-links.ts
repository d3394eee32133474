/**
 * Telegram turns an HTML link to `tg://user?id=42` into a mention of that user (a text_mention
 * entity that notifies them and shows as a link to their profile). Text from a model must never
 * do that, so every `<a>` whose target uses the `tg:` scheme is removed before sending, its
 * label kept as plain text. The formatter already writes no such link; this is the plugin's own
 * last check, at the one place Telegram HTML leaves Baton. Pure.
 */

const TAG = /<a\b([^>]*)>|<\/a\s*>/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name[0] !== "#") return NAMED[name.toLowerCase()] ?? whole;
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Whether an `<a>` tag's attributes point at a `tg:` URL (whatever the case, entities or blanks around it). */
function linksToTelegramScheme(attributes: string): boolean {
  const match = HREF.exec(attributes);
  if (!match) return false;
  // Browsers and Telegram alike ignore blanks and control characters around (and inside) a scheme.
  const href = [...decodeEntities(match[1] ?? match[2] ?? match[3] ?? "")].filter((ch) => ch.charCodeAt(0) > 0x20 && !(ch >= "\u007f" && ch <= "\u009f")).join("");
  return /^tg:/i.test(href);
}

/**
 * @example withoutTgLinks('hi <a href="tg://user?id=42">Bob</a>') // "hi Bob"
 * @example withoutTgLinks('<a href="https://example.com">site</a>') // unchanged
 */
export function withoutTgLinks(html: string): string {
  if (!/<a\b/i.test(html)) return html;
  // Telegram HTML has no nested links, so the first </a> after a dropped <a> closes it.
  let dropNextClose = false;
  return html.replace(TAG, (tag: string, attributes: string | undefined) => {
    if (attributes !== undefined) {
      dropNextClose = linksToTelegramScheme(attributes);
      return dropNextClose ? "" : tag;
    }
    if (!dropNextClose) return tag;
    dropNextClose = false;
    return "";
  });
}
