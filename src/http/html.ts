/** HTML text and attribute escaping for the server-rendered pages. Pure. */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escapes a value for HTML text or a quoted attribute. Anything that is not a string is
 * stringified first; lone surrogates and control characters (except tab and newline) become
 * U+FFFD, so hostile session keys cannot break the page's encoding.
 * @example escapeHtml('<b x="1">') // "&lt;b x=&quot;1&quot;&gt;"
 */
export function escapeHtml(value: unknown): string {
  const text = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]).replace(UNSAFE, "\ufffd");
}
