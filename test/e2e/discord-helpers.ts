/**
 * The whole Discord stack for end-to-end tests: the real Gateway (router, agent runtime,
 * auth resolver, Anthropic provider, session store) with the real Discord plugin, whose
 * discord.js client talks to the fake Discord, and whose Anthropic SDK talks to the fake
 * Anthropic. Only loopback sockets; a fresh state dir per stack.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import discordPlugin from "../../plugins/discord/index.js";
import type { TurnOutcome } from "../../src/agents/turn.js";
import { Gateway } from "../../src/chat/gateway.js";
import { resolvePaths } from "../../src/config/paths.js";
import { runtimeFromConfig } from "../../src/config/runtime.js";
import type { BatonConfigInput } from "../../src/config/schema.js";
import { createLogger } from "../../src/util/log.js";
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest } from "../fakes/anthropic/index.js";
import { startFakeDiscord, type BotMessageRecord, type FakeDiscord, type FakeUser } from "../fakes/discord/index.js";
import { defaultProfiles, writeAuthStore } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";

export { KEY_A, KEY_B } from "../support/fixtures.js";

/** Mentions required (the default). */
export const GUILD = "310000000000000001";
export const GENERAL = "310000000000000010";
export const THREAD = "310000000000000011";
/** Configured with `requireMention: false`. */
export const OPEN_GUILD = "320000000000000001";
export const OPEN_CHANNEL = "320000000000000010";

export const alice: FakeUser = { id: "210000000000000001", username: "alice", global_name: "Alice" };
export const bob: FakeUser = { id: "210000000000000002", username: "bob", global_name: "Bob" };
/** DM channel ids (Discord gives each user-bot pair its own channel). */
export const DM_ALICE = "410000000000000001";
export const DM_BOB = "410000000000000002";

const EPHEMERAL = 1 << 6;
/** A deferred interaction's placeholder ("Bot is thinking…") carries this flag until it is filled. */
export const LOADING = 1 << 7;

export interface Fakes {
  discord: FakeDiscord;
  anthropic: FakeAnthropic;
}

/** Both fakes, with one mention-gated guild (a channel and a thread in it) and one open guild. */
export async function startFakes(): Promise<Fakes> {
  const [discord, anthropic] = await Promise.all([startFakeDiscord(), startFakeAnthropic()]);
  discord.addGuild({
    id: GUILD,
    channels: [
      { id: GENERAL, name: "general", type: 0 },
      { id: THREAD, name: "help", type: 11, parent_id: GENERAL },
    ],
  });
  discord.addGuild({ id: OPEN_GUILD, channels: [{ id: OPEN_CHANNEL, name: "lounge", type: 0 }] });
  return { discord, anthropic };
}

export async function closeFakes(fakes: Fakes | undefined): Promise<void> {
  if (!fakes) return;
  await Promise.all([fakes.discord.close(), fakes.anthropic.close()]);
}

export interface StackOptions {
  /** Merged into the config; `channels.discord` is merged with the token and apiRoot of the fake. */
  config?: BatonConfigInput;
  /** auth-profiles.json profiles; default: anthropic:a (KEY_A) and anthropic:b (KEY_B). */
  profiles?: Record<string, unknown>;
}

export interface Stack {
  fakes: Fakes;
  gateway: Gateway;
  stateDir: string;
  /** Every finished agent turn. */
  turns: TurnOutcome[];
  /** Log lines of the gateway and the plugin (for failure messages). */
  logs: string[];
  /** `fakes.discord.messages.length` when the stack started: records before belong to earlier tests. */
  firstRecord: number;
  /**
   * Stops the gateway as SIGTERM does and starts a new one on the same state dir, as a restarted
   * process would; `between` runs while none is connected (messages sent meanwhile).
   */
  restart(between?: () => void | Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the real Gateway with the real Discord plugin against the fakes; resolves once discord.js is ready. */
export async function startStack(fakes: Fakes, options: StackOptions = {}): Promise<Stack> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-e2e-discord-"));
  const paths = resolvePaths({ BATON_STATE_DIR: stateDir, HOME: stateDir });
  writeAuthStore(paths.authStorePath("main"), options.profiles ?? defaultProfiles());
  const input: BatonConfigInput = {
    // open access, stated explicitly (the defaults are pairing, listed guilds, owner-only commands); callers override
    commands: { allowFrom: ["*"] },
    ...options.config,
    channels: {
      ...options.config?.channels,
      discord: { token: fakes.discord.token, apiRoot: fakes.discord.apiRoot, dmPolicy: "open", guildPolicy: "open", ...options.config?.channels?.discord },
    },
    models: { providers: { anthropic: { baseUrl: fakes.anthropic.url } } },
  };
  const turns: TurnOutcome[] = [];
  const logs: string[] = [];
  const firstRecord = fakes.discord.messages.length;
  const launch = async (): Promise<Gateway> => {
    const runtime = await runtimeFromConfig(stateDir, input);
    const gateway = new Gateway({
      runtime,
      channels: ["discord"],
      factories: { discord: discordPlugin },
      onTurn: (event) => turns.push(event.outcome),
      log: createLogger({ level: "debug", write: (line) => logs.push(line) }),
    });
    await gateway.start();
    return gateway;
  };
  let gateway = await launch();
  let stopped: Promise<void> | undefined;
  return {
    fakes,
    get gateway() {
      return gateway;
    },
    stateDir,
    turns,
    logs,
    firstRecord,
    async restart(between) {
      await gateway.stop();
      await fakes.discord.waitFor(() => fakes.discord.liveConnections === 0);
      await between?.();
      gateway = await launch();
    },
    stop() {
      stopped ??= gateway.stop().finally(() => fs.rmSync(stateDir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/** A message the bot wrote, as it stands after every create, edit and delete recorded for it. */
export interface BotMessage {
  id: string;
  channelId: string;
  content: string;
  flags: number;
  ephemeral: boolean;
  deleted: boolean;
  source: BotMessageRecord["source"];
  interactionId?: string;
}

/**
 * The bot's messages written from record `from` on, in order of first appearance, each in its
 * latest state. A deferred interaction reply first shows up as an edit of its placeholder.
 */
export function botMessages(fake: FakeDiscord, from = 0): BotMessage[] {
  const byId = new Map<string, BotMessage>();
  for (const record of fake.messages.slice(from)) {
    const message = byId.get(record.id) ?? {
      id: record.id,
      channelId: record.channel_id,
      content: "",
      flags: 0,
      ephemeral: false,
      deleted: false,
      source: record.source,
      ...(record.interactionId ? { interactionId: record.interactionId } : {}),
    };
    if (record.kind === "delete") message.deleted = true;
    else {
      message.content = record.content;
      message.flags = record.flags;
      message.ephemeral = (record.flags & EPHEMERAL) !== 0;
    }
    byId.set(record.id, message);
  }
  return [...byId.values()];
}

/** Bot messages in one channel (sent through the channel route, not as interaction replies), not deleted. */
export function channelMessages(fake: FakeDiscord, channelId: string, from = 0): BotMessage[] {
  return botMessages(fake, from).filter((m) => m.channelId === channelId && m.source === "channel" && !m.deleted);
}

/** Waits until the bot has a channel message in `channelId` whose content is exactly `content`. */
export function waitForChannelMessage(fake: FakeDiscord, channelId: string, content: string, from = 0): Promise<BotMessage> {
  return fake.waitFor(() => channelMessages(fake, channelId, from).find((m) => m.content === content));
}

/** The visible (not deleted) reply messages of one interaction, in order. */
export function interactionReplies(fake: FakeDiscord, interactionId: string): BotMessage[] {
  return botMessages(fake).filter((m) => m.interactionId === interactionId && !m.deleted && m.content !== "");
}

/** Waits for the first visible reply of an interaction (commands answer with one short part). */
export function waitForInteractionReply(fake: FakeDiscord, interactionId: string): Promise<BotMessage> {
  return fake.waitFor(() => interactionReplies(fake, interactionId)[0]);
}

/** Resolves with the choices of an autocomplete interaction once the bot has answered it. */
export async function autocompleteChoices(fake: FakeDiscord, interactionId: string): Promise<{ name: string; value: string }[]> {
  const record = await fake.waitFor(() => fake.interactionCallbacks.get(interactionId)?.callback);
  if (record.type !== 8) throw new Error(`autocomplete answered with callback type ${record.type}`);
  return record.data.choices;
}

/** Waits until the Anthropic fake has received `count` requests in all. */
export function waitForAnthropicRequests(fakes: Fakes, count: number, timeoutMs = 10_000): Promise<RecordedRequest[]> {
  // The Anthropic fake has no change events; its requests are only ever appended, so this polls.
  return waitFor(() => fakes.anthropic.requests.length >= count && fakes.anthropic.requests, {
    timeoutMs,
    what: `${count} Anthropic requests`,
    detail: () => `got ${fakes.anthropic.requests.length}`,
  });
}

export { lastUserImages, lastUserText, requestModel, requestRoles } from "../fakes/anthropic/index.js";

/** Counts fence lines (``` or ~~~, possibly indented or quoted) of a Discord message. */
export function fenceLineCount(content: string): number {
  return content.split("\n").filter((line) => /^(?:[ \t]*>)*[ \t]*(?:`{3,}|~{3,})/.test(line)).length;
}

/** Lines of a Discord message that sit inside a fenced code block. */
export function linesInsideFences(content: string): string[] {
  const inside: string[] = [];
  let open = false;
  for (const line of content.split("\n")) {
    if (/^[ \t]*(?:`{3,}|~{3,})/.test(line)) open = !open;
    else if (open) inside.push(line);
  }
  return inside;
}
