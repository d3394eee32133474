/**
 * The core stand-in for the Telegram plugin's tests: the shared channel harness
 * (test/support/channel-harness.ts), set up for this plugin as the core would.
 */
import { type ChannelHarness, type ChannelHarnessOptions, createChannelHarness } from "../../test/support/channel-harness.js";
import telegramConfig from "./config.js";

export type Harness = ChannelHarness;

/** `config` is `channels.telegram`; the command menu on or off as the core reads it from there. */
export function createHarness(options: Omit<ChannelHarnessOptions, "channel" | "configModule">): Harness {
  return createChannelHarness({ channel: "telegram", configModule: telegramConfig, ...options });
}
