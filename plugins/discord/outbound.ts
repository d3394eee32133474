import type { OutboundFile, OutboundMessage, ReplyButton } from "../../src/plugin-api.js";

/** Never ping anyone: no @everyone/@here, roles, users, nor the author of a replied-to message. */
export const NO_PINGS = { parse: [] as string[], replied_user: false };

const BUTTON_PREFIX = "baton:";
const MAX_CUSTOM_ID = 100;
const MAX_LABEL = 80;
const MAX_ROWS = 5;
const MAX_PER_ROW = 5;
/** Discord component types and the secondary (grey) button style. */
const ACTION_ROW = 1;
const BUTTON = 2;
const SECONDARY = 2;

export interface ActionRowJson {
  type: number;
  components: { type: number; style: number; label: string; custom_id: string }[];
}

/**
 * Button rows as Discord action rows (at most 5 rows of 5). A button carries its command in
 * `custom_id`; buttons whose command does not fit Discord's 100 characters are left out.
 */
export function toComponents(rows: readonly ReplyButton[][] | undefined): ActionRowJson[] {
  const result: ActionRowJson[] = [];
  for (const row of rows ?? []) {
    const components = row
      .filter((b) => BUTTON_PREFIX.length + b.command.length <= MAX_CUSTOM_ID && b.label.length > 0)
      .slice(0, MAX_PER_ROW)
      .map((b) => ({ type: BUTTON, style: SECONDARY, label: b.label.slice(0, MAX_LABEL), custom_id: `${BUTTON_PREFIX}${b.command}` }));
    if (components.length) result.push({ type: ACTION_ROW, components });
    if (result.length === MAX_ROWS) break;
  }
  return result;
}

/** The command a button press stands for, or undefined for buttons this plugin did not make. */
export function commandFromCustomId(customId: string): string | undefined {
  return customId.startsWith(BUTTON_PREFIX) ? customId.slice(BUTTON_PREFIX.length) : undefined;
}

/** Body of `POST /channels/:id/messages`. */
export function createMessageBody(message: OutboundMessage, replyToMessageId?: string): Record<string, unknown> {
  const components = toComponents(message.buttons);
  return {
    content: message.text,
    allowed_mentions: NO_PINGS,
    ...(components.length ? { components } : {}),
    ...(replyToMessageId ? { message_reference: { message_id: replyToMessageId, fail_if_not_exists: false } } : {}),
  };
}

/** Body of `PATCH /channels/:id/messages/:id`: the message as given now, buttons included (none clears them). */
export function editMessageBody(message: OutboundMessage): Record<string, unknown> {
  return { content: message.text, allowed_mentions: NO_PINGS, components: toComponents(message.buttons) };
}

/** Discord's limit for message content, which a file's caption is too. */
const MAX_CONTENT = 2000;

/** A file's caption as message content: at most 2000 characters, empty when there is none. */
export function fileCaption(file: OutboundFile): string {
  const caption = file.caption ?? "";
  return caption.length <= MAX_CONTENT ? caption : `${caption.slice(0, MAX_CONTENT - 1)}…`;
}

/** Body (the `payload_json`) of `POST /channels/:id/messages` carrying `file` as `files[0]`. */
export function fileMessageBody(file: OutboundFile, replyToMessageId?: string): Record<string, unknown> {
  const caption = fileCaption(file);
  return {
    ...(caption ? { content: caption } : {}),
    allowed_mentions: NO_PINGS,
    attachments: [{ id: 0, filename: file.name }],
    ...(replyToMessageId ? { message_reference: { message_id: replyToMessageId, fail_if_not_exists: false } } : {}),
  };
}

/** The file's text as an upload: UTF-8 bytes, `text/markdown` for `.md` names, else `text/plain`. */
export function fileUpload(file: OutboundFile): { name: string; data: Buffer; contentType: string } {
  const type = /\.(md|markdown)$/i.test(file.name) ? "text/markdown" : "text/plain";
  return { name: file.name, data: Buffer.from(file.content, "utf8"), contentType: `${type}; charset=utf-8` };
}

/**
 * The id of a message Discord says it created. A REST answer without one (a proxy, an
 * emulator) is an error here rather than an `undefined` id handed to the core.
 */
export function sentMessageId(answer: unknown): string {
  const id = typeof answer === "object" && answer !== null ? (answer as { id?: unknown }).id : undefined;
  if (typeof id !== "string" || id === "") throw new Error("discord: the API answered without a message id");
  return id;
}
