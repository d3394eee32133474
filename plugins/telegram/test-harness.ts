/**
 * The core stand-in for the Telegram plugin's tests: the shared channel harness
 * (test/support/channel-harness.ts), set up for this plugin as the core would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { startFakeTelegram, type FakeTelegram, type FakeTelegramOptions } from "../../test/fakes/telegram/index.js";
import { type ChannelHarness, type ChannelHarnessOptions, createChannelHarness } from "../../test/support/channel-harness.js";
import telegramConfig from "./config.js";

export type Harness = ChannelHarness;

/** `config` is `channels.telegram`; the command menu on or off as the core reads it from there. */
export function createHarness(options: Omit<ChannelHarnessOptions, "channel" | "configModule">): Harness {
  return createChannelHarness({ channel: "telegram", configModule: telegramConfig, ...options });
}

/**
 * Per-test resources of a plugin test file: fakes and temp dirs made through it, and whatever
 * is pushed onto `cleanups`, are closed/removed after each test, newest first. Call it once at
 * the top of the file.
 */
export function telegramTestRig(dirPrefix: string) {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    cleanups,
    async fakeTelegram(options?: FakeTelegramOptions): Promise<FakeTelegram> {
      const tg = await startFakeTelegram(options);
      cleanups.push(() => tg.close());
      return tg;
    },
    async tempDir(): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), dirPrefix));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
  };
}
