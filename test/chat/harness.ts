import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BatonConfigInput } from "../../src/config/schema.js";
import { resolvePaths } from "../../src/config/paths.js";
import { runtimeFromConfig } from "../../src/config/runtime.js";
import { Gateway } from "../../src/chat/gateway.js";
import type { ChannelLimits, ChannelPlugin, InboundMessage, OutboundMessage, OutboundTarget } from "../../src/plugin-api.js";
import type { TurnOutcome } from "../../src/agents/turn.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { defaultProfiles, writeAuthStore } from "../support/fixtures.js";

export { KEY_A, KEY_B, KEY_C, writeAuthStore } from "../support/fixtures.js";

export interface SentRecord {
  target: OutboundTarget;
  message: OutboundMessage;
  edited?: string;
}

/** A channel plugin that records what the core sends it. */
export class RecordingPlugin implements ChannelPlugin {
  id = "test";
  sent: SentRecord[] = [];
  private counter = 0;
  constructor(public limits: ChannelLimits = { maxMessageLength: 2000, canEdit: false, nativeCommands: false, format: "plain" }) {}
  async start() {}
  async stop() {}
  async send(target: OutboundTarget, message: OutboundMessage) {
    this.sent.push({ target, message });
    return { messageId: String(++this.counter) };
  }
  texts(): string[] {
    return this.sent.map((s) => s.message.plainText);
  }
  last(): string {
    return this.sent[this.sent.length - 1]?.message.plainText ?? "";
  }
}

export interface Harness {
  fake: FakeAnthropic;
  gateway: Gateway;
  plugin: RecordingPlugin;
  stateDir: string;
  turns: TurnOutcome[];
  /** Send a message and wait until its reply (if any) is delivered. */
  say(text: string, overrides?: Partial<InboundMessage>): Promise<string>;
  storePath: string;
  close(): Promise<void>;
}

let messageCounter = 0;

export function dm(text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: "telegram",
    accountId: "default",
    chatKind: "dm",
    chatId: "100",
    senderId: "100",
    senderName: "Ada",
    messageId: String(++messageCounter),
    text,
    mentioned: true,
    ...overrides,
  };
}

/** A gateway with the real router, resolver, provider and session store against the fake Anthropic. */
export async function startHarness(options: { config?: BatonConfigInput; profiles?: Record<string, unknown>; limits?: ChannelLimits; env?: Record<string, string> } = {}): Promise<Harness> {
  const fake = await startFakeAnthropic();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-chat-"));
  const paths = resolvePaths({ BATON_STATE_DIR: stateDir, HOME: stateDir });
  const storePath = paths.authStorePath("main");
  writeAuthStore(storePath, options.profiles ?? defaultProfiles());
  // open access, stated explicitly (the defaults are pairing, listed groups, owner-only commands); callers override
  const input: BatonConfigInput = {
    commands: { allowFrom: ["*"] },
    ...options.config,
    channels: {
      ...options.config?.channels,
      telegram: { dmPolicy: "open", groupPolicy: "open", ...options.config?.channels?.telegram },
      discord: { dmPolicy: "open", guildPolicy: "open", ...options.config?.channels?.discord },
    },
    models: { ...options.config?.models, providers: { ...options.config?.models?.providers, anthropic: { baseUrl: fake.url } } },
  };
  const runtime = await runtimeFromConfig(stateDir, input, options.env);
  const turns: TurnOutcome[] = [];
  const gateway = new Gateway({
    runtime,
    channels: [],
    onTurn: (event) => turns.push(event.outcome),
    log: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } },
  });
  const plugin = new RecordingPlugin(options.limits);
  return {
    fake,
    gateway,
    plugin,
    stateDir,
    turns,
    storePath,
    async say(text, overrides) {
      const before = plugin.sent.length;
      const result = await gateway.router.handle(plugin, dm(text, overrides));
      if (result.kind === "queued") await result.done;
      return plugin.sent.slice(before).map((s) => s.message.plainText).join("\n");
    },
    async close() {
      await gateway.stop();
      await fake.close();
    },
  };
}
