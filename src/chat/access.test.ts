import { describe, expect, it } from "vitest";
import { BatonConfig, type BatonConfigInput } from "../config/schema.js";
import type { InboundMessage } from "../plugin-api.js";
import { canPinProfile, canRunPrivilegedCommands, checkAccess } from "./access.js";

const message = (overrides: Partial<InboundMessage>): InboundMessage => ({
  channel: "telegram",
  accountId: "default",
  chatKind: "dm",
  chatId: "1",
  senderId: "1",
  messageId: "m",
  text: "hi",
  mentioned: false,
  ...overrides,
});
const config = (input: BatonConfigInput) => BatonConfig.parse(input);

describe("checkAccess", () => {
  it.each([
    ["DM, no allowFrom: everyone", {}, {}, true],
    ["DM, allowFrom lists the sender", { channels: { telegram: { allowFrom: ["1"] } } }, {}, true],
    ["DM, allowFrom numbers are ids too", { channels: { telegram: { allowFrom: [1] } } }, {}, true],
    ["DM, allowFrom without the sender", { channels: { telegram: { allowFrom: ["2"] } } }, {}, "not_allowed"],
    ["DM, allowFrom *", { channels: { telegram: { allowFrom: ["*"] } } }, {}, true],
    ["group, not mentioned (requireMention default true)", {}, { chatKind: "group", chatId: "-5" }, "not_mentioned"],
    ["group, mentioned", {}, { chatKind: "group", chatId: "-5", mentioned: true }, true],
    ["group with requireMention false", { channels: { telegram: { groups: { "-5": { requireMention: false } } } } }, { chatKind: "group", chatId: "-5" }, true],
    ["groupPolicy disabled", { channels: { telegram: { groupPolicy: "disabled" } } }, { chatKind: "group", chatId: "-5", mentioned: true }, "group_disabled"],
    ["groupPolicy allowlist, unlisted group", { channels: { telegram: { groupPolicy: "allowlist" } } }, { chatKind: "group", chatId: "-5", mentioned: true }, "group_disabled"],
    ["groupPolicy allowlist, listed group", { channels: { telegram: { groupPolicy: "allowlist", groups: { "-5": {} } } } }, { chatKind: "group", chatId: "-5", mentioned: true }, true],
    ["group allowFrom narrows senders", { channels: { telegram: { groups: { "-5": { allowFrom: ["9"] } } } } }, { chatKind: "group", chatId: "-5", mentioned: true }, "not_allowed"],
    ["discord guild keyed by guild id", { channels: { discord: { guilds: { G: { requireMention: false } } } } }, { channel: "discord", chatKind: "channel", chatId: "C", guildId: "G" }, true],
    ["discord guild channel list", { channels: { discord: { guilds: { G: { channels: ["C2"] } } } } }, { channel: "discord", chatKind: "channel", chatId: "C", guildId: "G", mentioned: true }, "group_disabled"],
    ["discord thread of an allowed channel", { channels: { discord: { guilds: { G: { channels: ["C"] } } } } }, { channel: "discord", chatKind: "channel", chatId: "T", parentChatId: "C", guildId: "G", mentioned: true }, true],
  ] as const)("%s", (_name, input, overrides, expected) => {
    const decision = checkAccess(config(input as BatonConfigInput), message(overrides as Partial<InboundMessage>));
    expect(decision.allowed ? true : decision.reason).toBe(expected);
  });
});

describe("who may change state and pin", () => {
  const cfg = config({ commands: { allowFrom: ["telegram:1", "7"] }, auth: { profiles: { "anthropic:work": { provider: "anthropic", mode: "api_key", allowedUsers: ["1"] } } } });
  it("commands.allowFrom takes channel:id and bare ids; unset means everyone", () => {
    expect(canRunPrivilegedCommands(cfg, { channel: "telegram", senderId: "1" })).toBe(true);
    expect(canRunPrivilegedCommands(cfg, { channel: "discord", senderId: "1" })).toBe(false);
    expect(canRunPrivilegedCommands(cfg, { channel: "discord", senderId: "7" })).toBe(true);
    expect(canRunPrivilegedCommands(config({}), { channel: "discord", senderId: "42" })).toBe(true);
  });
  it("a profile's allowedUsers narrows who may pin it", () => {
    expect(canPinProfile(cfg, { channel: "telegram", senderId: "1" }, "anthropic:work")).toBe(true);
    expect(canPinProfile(cfg, { channel: "discord", senderId: "7" }, "anthropic:work")).toBe(false);
    expect(canPinProfile(cfg, { channel: "discord", senderId: "7" }, "anthropic:other")).toBe(true);
  });
});
