/**
 * Baton's Telegram channel plugin. The default export is the factory the core loads;
 * `createTelegramPlugin` takes extra options (flood limits, timeouts) for tests and benchmarks.
 */
import type { ChannelPluginFactory } from "../../src/plugin-api.js";
import { createTelegramPlugin } from "./plugin.js";

export { createTelegramPlugin, type TelegramPluginOptions } from "./plugin.js";
export { TELEGRAM_OUTBOUND_LIMITS, type OutboundLimits, type RateLimit } from "./outbound-limiter.js";
export { TelegramSendError } from "./errors.js";

const telegramPlugin: ChannelPluginFactory = ({ accountId }) => createTelegramPlugin({ accountId });
export default telegramPlugin;
