import type { OutboundMessage, ReplyButton } from "../../src/plugin-api.js";

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
