import type { InlineKeyboardMarkup } from "grammy/types";
import type { ReplyButton } from "../../src/plugin-api.js";
import type { CallbackDataCodec } from "./callback-data.js";

/** Reply buttons -> an inline keyboard whose callback_data carries each button's command. */
export function toInlineKeyboard(buttons: ReplyButton[][] | undefined, codec: CallbackDataCodec): InlineKeyboardMarkup | undefined {
  const rows = (buttons ?? [])
    .map((row) =>
      row
        .filter((b) => b.command.length > 0)
        .map((b) => ({ text: b.label || b.command, callback_data: codec.encode(b.command) })),
    )
    .filter((row) => row.length > 0);
  return rows.length > 0 ? { inline_keyboard: rows } : undefined;
}
