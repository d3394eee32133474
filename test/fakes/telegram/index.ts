/** The fake Telegram Bot API used by Telegram tests and benchmarks. */
export { startFakeTelegram } from "./server.js";
export type { FakeTelegram, FakeTelegramOptions, RawAnswer, UserMessageInput, CallbackQueryInput } from "./server.js";
export { TELEGRAM_FLOOD_LIMITS } from "./flood-control.js";
export type { FloodLimits, RateLimit } from "./flood-control.js";
export type * from "./types.js";
