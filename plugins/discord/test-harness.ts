/**
 * The plugin under test, started against a fresh fake Discord with one guild (a channel and
 * a thread) and a harness standing in for the core (the shared channel harness, set up for
 * this plugin as the core would). For this plugin's tests only.
 */
import type { CommandChoice, CommandSpec, AutocompleteRequest, InboundMessage, ReplySink, Settlement } from "../../src/plugin-api.js";
import { type Accept, type ChannelHarness, type ChannelHarnessOptions, createChannelHarness } from "../../test/support/channel-harness.js";
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from "../../test/fakes/discord/index.js";
import discordConfig from "./config.js";
import { createDiscordPlugin, type DiscordChannel, type DiscordPluginOptions } from "./index.js";

export type Harness = ChannelHarness;

/** A core stand-in for this plugin: `config` is `channels.discord`; native commands as the core reads them from it. */
export function createHarness(options: Omit<ChannelHarnessOptions, "channel" | "configModule">): Harness {
  return createChannelHarness({ channel: "discord", configModule: discordConfig, ...options });
}

export const GUILD = "300000000000000001";
export const GENERAL = "300000000000000010";
export const THREAD = "300000000000000011";
export const DM = "400000000000000001";
/** The bot's managed role in GUILD. */
export const BOT_ROLE = "300000000000000099";
export const alice = { id: "200000000000000001", username: "alice", global_name: "Alice" };

export interface Rig {
  fake: FakeDiscord;
  harness: Harness;
  plugin: DiscordChannel;
}

export interface RigOptions {
  fake?: FakeDiscordOptions;
  plugin?: Partial<DiscordPluginOptions>;
  /** Slash commands the harness reports; none (and native commands off) when undefined. */
  commands?: CommandSpec[];
  /** The core handling each accepted message (see `Handle` in the channel harness), with the rig at hand. */
  handle?: (rig: Rig, message: InboundMessage, sink?: ReplySink) => Promise<Settlement | void> | Settlement | void;
  accept?: Accept;
  complete?: (request: AutocompleteRequest) => CommandChoice[];
  /** Runs on the fake before the plugin starts (e.g. to make Discord misbehave from the first request). */
  beforeStart?: (fake: FakeDiscord) => void;
}

const running: Rig[] = [];

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const fake = await startFakeDiscord(options.fake);
  fake.addGuild({
    id: GUILD,
    botRoleId: BOT_ROLE,
    channels: [
      { id: GENERAL, name: "general", type: 0 },
      { id: THREAD, name: "help", type: 11, parent_id: GENERAL },
    ],
  });
  const rig = { fake } as Rig;
  rig.harness = createHarness({
    config: { token: fake.token, apiRoot: fake.apiRoot, ...(options.commands ? {} : { commands: { native: false } }) },
    commands: options.commands,
    handle: options.handle && ((message, sink) => options.handle!(rig, message, sink)),
    accept: options.accept,
    complete: options.complete,
  });
  rig.plugin = createDiscordPlugin({ accountId: "default", ...options.plugin });
  running.push(rig);
  options.beforeStart?.(fake);
  await rig.plugin.start(rig.harness.ctx);
  return rig;
}

/** Stops every rig started since the last call (for `afterEach`). */
export async function stopRigs(): Promise<void> {
  for (const { plugin, fake, harness } of running.splice(0)) {
    await plugin.stop();
    await harness.dispose();
    await fake.close();
    harness.cleanup();
  }
}

/** Every unhandled rejection while `run` runs (vitest reports them too, but only after the test). */
export async function unhandledRejectionsDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const record = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", record);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off("unhandledRejection", record);
  }
  return seen;
}

export const part = (text: string, ephemeral = false) => ({ text, plainText: text, ...(ephemeral ? { ephemeral } : {}) });
