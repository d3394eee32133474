import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChannelCatalog, channelSpec, loadChannelCatalog } from "../config/channel-catalog.js";
import { channelFields, configZod } from "../config/channel-kit.js";
import { checkConfig } from "../config/load.js";
import type { BatonConfig, BatonConfigInput } from "../config/schema.js";
import type { ChannelConfigDeclaration, InboundMessage } from "../plugin-api.js";
import { canPinProfile, canRunPrivilegedCommands, checkAccess, openAccessWarnings, openChannels } from "./access.js";

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
// validated as `baton gateway` validates it: every installed channel's declaration loaded
const catalog = await loadChannelCatalog("all");
const config = (input: BatonConfigInput): BatonConfig => {
  const result = checkConfig(input as Record<string, unknown>, catalog);
  if (!result.config) throw new Error(JSON.stringify(result.problems));
  return result.config;
};

// ---- the policy as a table: policy × sender × chat kind × command ------------------------

const OWNER = "1";
const PAIRED = "2";
const STRANGER = "3";
type SenderKind = "owner" | "paired" | "stranger";
const senderIds: Record<SenderKind, string> = { owner: OWNER, paired: PAIRED, stranger: STRANGER };

type ChatKind = "dm" | "listed group" | "unlisted group";
const chats: Record<ChatKind, Partial<InboundMessage>> = {
  dm: { chatKind: "dm" },
  "listed group": { chatKind: "group", chatId: "-5", mentioned: true },
  "unlisted group": { chatKind: "group", chatId: "-6", mentioned: true },
};

type Command = "text" | "/model list" | "/model sonnet";
/** What the sender may do with the message, as the router acts on it. */
type Outcome = "served" | "command refused" | "pairing" | "not_allowed" | "dm_disabled" | "group_not_listed" | "group_disabled";

/** The router's order: access (with the sender's pairing when it matters), then the command privilege. */
function outcome(cfg: BatonConfig, sender: SenderKind, chat: ChatKind, command: Command): Outcome {
  const msg = message({ senderId: senderIds[sender], ...chats[chat] });
  let access = checkAccess(cfg, msg);
  if (!access.allowed && access.pairable && sender === "paired") access = checkAccess(cfg, msg, true);
  if (!access.allowed) return access.reason as Outcome;
  if (command === "/model sonnet" && !canRunPrivilegedCommands(cfg, msg)) return "command refused";
  return "served";
}

const withGroup = (telegram: Record<string, unknown>, commands?: BatonConfigInput["commands"]) =>
  config({ channels: { telegram: { groups: { "-5": {} }, ...telegram } }, ...(commands ? { commands } : {}) });

const policies: Record<string, BatonConfig> = {
  "defaults, no owner": config({ channels: { telegram: {} } }),
  "pairing (default) + owner": withGroup({ allowFrom: [OWNER] }),
  "allowlist + owner": withGroup({ allowFrom: [OWNER], dmPolicy: "allowlist" }),
  "open DMs + owner": withGroup({ allowFrom: [OWNER], dmPolicy: "open" }),
  "disabled DMs + owner": withGroup({ allowFrom: [OWNER], dmPolicy: "disabled" }),
  'old allowFrom ["*"]': withGroup({ allowFrom: ["*"] }),
  "open groups + owner": config({ channels: { telegram: { allowFrom: [OWNER], groupPolicy: "open" } } }),
  "disabled groups + owner": withGroup({ allowFrom: [OWNER], groupPolicy: "disabled" }),
  'commands.allowFrom ["*"]': withGroup({ allowFrom: [OWNER] }, { allowFrom: ["*"] }),
  "commands.allowFrom names the stranger": withGroup({ allowFrom: [OWNER], dmPolicy: "open" }, { allowFrom: [`telegram:${STRANGER}`] }),
};

const table: [policy: string, sender: SenderKind, chat: ChatKind, command: Command, expected: Outcome][] = [
  // a fresh config: nobody is listed, DMs need pairing, groups need listing, nobody may switch
  ["defaults, no owner", "stranger", "dm", "text", "pairing"],
  ["defaults, no owner", "stranger", "dm", "/model list", "pairing"],
  ["defaults, no owner", "paired", "dm", "text", "served"],
  ["defaults, no owner", "paired", "dm", "/model sonnet", "command refused"],
  ["defaults, no owner", "stranger", "unlisted group", "text", "group_not_listed"],
  // pairing with an owner
  ["pairing (default) + owner", "owner", "dm", "text", "served"],
  ["pairing (default) + owner", "owner", "dm", "/model sonnet", "served"],
  ["pairing (default) + owner", "paired", "dm", "/model list", "served"],
  ["pairing (default) + owner", "paired", "dm", "/model sonnet", "command refused"],
  ["pairing (default) + owner", "stranger", "dm", "text", "pairing"],
  ["pairing (default) + owner", "stranger", "dm", "/model sonnet", "pairing"],
  ["pairing (default) + owner", "stranger", "listed group", "text", "served"],
  ["pairing (default) + owner", "stranger", "listed group", "/model list", "served"],
  ["pairing (default) + owner", "stranger", "listed group", "/model sonnet", "command refused"],
  ["pairing (default) + owner", "owner", "listed group", "/model sonnet", "served"],
  ["pairing (default) + owner", "owner", "unlisted group", "text", "group_not_listed"],
  ["pairing (default) + owner", "owner", "unlisted group", "/model sonnet", "group_not_listed"],
  // allowlist: allowFrom and approved pairings; no codes for strangers
  ["allowlist + owner", "owner", "dm", "text", "served"],
  ["allowlist + owner", "paired", "dm", "text", "served"],
  ["allowlist + owner", "stranger", "dm", "text", "not_allowed"],
  // open DMs serve everyone, but switching stays with the owner
  ["open DMs + owner", "stranger", "dm", "text", "served"],
  ["open DMs + owner", "stranger", "dm", "/model sonnet", "command refused"],
  ["open DMs + owner", "owner", "dm", "/model sonnet", "served"],
  // disabled: no DMs, even from owners' pairing-approved friends; owners are still served
  ["disabled DMs + owner", "owner", "dm", "text", "served"],
  ["disabled DMs + owner", "paired", "dm", "text", "dm_disabled"],
  ["disabled DMs + owner", "stranger", "dm", "text", "dm_disabled"],
  ["disabled DMs + owner", "stranger", "listed group", "text", "served"],
  // the old open config keeps working (everyone listed), but "*" makes nobody an owner
  ['old allowFrom ["*"]', "stranger", "dm", "text", "served"],
  ['old allowFrom ["*"]', "stranger", "dm", "/model sonnet", "command refused"],
  ['old allowFrom ["*"]', "owner", "dm", "/model sonnet", "command refused"],
  // groups
  ["open groups + owner", "stranger", "unlisted group", "text", "served"],
  ["open groups + owner", "stranger", "unlisted group", "/model sonnet", "command refused"],
  ["open groups + owner", "owner", "unlisted group", "/model sonnet", "served"],
  ["disabled groups + owner", "owner", "listed group", "text", "group_disabled"],
  // commands.allowFrom
  ['commands.allowFrom ["*"]', "stranger", "listed group", "/model sonnet", "served"],
  ['commands.allowFrom ["*"]', "stranger", "dm", "/model sonnet", "pairing"],
  ['commands.allowFrom ["*"]', "paired", "dm", "/model sonnet", "served"],
  ["commands.allowFrom names the stranger", "stranger", "dm", "/model sonnet", "served"],
  ["commands.allowFrom names the stranger", "owner", "dm", "/model sonnet", "command refused"],
];

describe("access policy: policy × sender × chat kind × command", () => {
  it.each(table)("%s: %s in %s, %s -> %s", (policy, sender, chat, command, expected) => {
    expect(outcome(policies[policy], sender, chat, command)).toBe(expected);
  });
});

describe("checkAccess details", () => {
  it.each([
    ["allowFrom numbers are ids too", { channels: { telegram: { allowFrom: [1] } } }, {}, true],
    ["DM allowFrom takes channel:id", { channels: { telegram: { allowFrom: ["telegram:1"] } } }, {}, true],
    ["no channel section: safe defaults (pairing)", {}, {}, "pairing"],
    ["no channel section: groups need listing", {}, { chatKind: "group", chatId: "-5", mentioned: true }, "group_not_listed"],
    ["group, not mentioned (requireMention default true)", { channels: { telegram: { groups: { "-5": {} } } } }, { chatKind: "group", chatId: "-5" }, "not_mentioned"],
    ["group with requireMention false", { channels: { telegram: { groups: { "-5": { requireMention: false } } } } }, { chatKind: "group", chatId: "-5" }, true],
    ["group enabled: false", { channels: { telegram: { groups: { "-5": { enabled: false } } } } }, { chatKind: "group", chatId: "-5", mentioned: true }, "group_disabled"],
    ["group allowFrom narrows senders", { channels: { telegram: { groups: { "-5": { allowFrom: ["9"] } } } } }, { chatKind: "group", chatId: "-5", mentioned: true }, "not_allowed"],
    ["discord guild keyed by guild id", { channels: { discord: { guilds: { G: { requireMention: false } } } } }, { channel: "discord", chatKind: "channel", chatId: "C", guildId: "G" }, true],
    ["discord unlisted guild", { channels: { discord: { guilds: { G: {} } } } }, { channel: "discord", chatKind: "channel", chatId: "C", guildId: "H", mentioned: true }, "group_not_listed"],
    ["discord guildPolicy open", { channels: { discord: { guildPolicy: "open" } } }, { channel: "discord", chatKind: "channel", chatId: "C", guildId: "H", mentioned: true }, true],
    ["discord guild channel list", { channels: { discord: { guilds: { G: { channels: ["C2"] } } } } }, { channel: "discord", chatKind: "channel", chatId: "C", guildId: "G", mentioned: true }, "group_disabled"],
    ["discord thread of an allowed channel", { channels: { discord: { guilds: { G: { channels: ["C"] } } } } }, { channel: "discord", chatKind: "channel", chatId: "T", parentChatId: "C", guildId: "G", mentioned: true }, true],
    ["the console is always served", {}, { channel: "console", senderId: "local" }, true],
  ] as const)("%s", (_name, input, overrides, expected) => {
    const decision = checkAccess(config(input as BatonConfigInput), message(overrides as Partial<InboundMessage>));
    expect(decision.allowed ? true : decision.reason).toBe(expected);
  });

  it("names the config key that would list an ignored group", () => {
    const telegram = checkAccess(config({ channels: { telegram: {} } }), message({ chatKind: "group", chatId: "-100123", mentioned: true }));
    expect(telegram).toMatchObject({ reason: "group_not_listed", configKey: 'channels.telegram.groups."-100123"' });
    const discord = checkAccess(config({ channels: { discord: {} } }), message({ channel: "discord", chatKind: "channel", chatId: "C", guildId: "77", mentioned: true }));
    expect(discord).toMatchObject({ reason: "group_not_listed", configKey: 'channels.discord.guilds."77"' });
  });

  it("only DM refusals that an approved pairing would lift are pairable", () => {
    const cfg = config({ channels: { telegram: { dmPolicy: "allowlist" } } });
    expect(checkAccess(cfg, message({}))).toMatchObject({ reason: "not_allowed", pairable: true });
    expect(checkAccess(config({ channels: { telegram: { dmPolicy: "disabled" } } }), message({}))).not.toHaveProperty("pairable");
    expect(checkAccess(cfg, message({ chatKind: "group", chatId: "-5", mentioned: true }))).not.toHaveProperty("pairable");
  });
});

describe("who may change state and pin", () => {
  const cfg = config({ commands: { allowFrom: ["telegram:1", "7"] }, auth: { profiles: { "anthropic:work": { provider: "anthropic", mode: "api_key", allowedUsers: ["1"] } } } });
  it("commands.allowFrom takes channel:id and bare ids", () => {
    expect(canRunPrivilegedCommands(cfg, { channel: "telegram", senderId: "1" })).toBe(true);
    expect(canRunPrivilegedCommands(cfg, { channel: "discord", senderId: "1" })).toBe(false);
    expect(canRunPrivilegedCommands(cfg, { channel: "discord", senderId: "7" })).toBe(true);
  });
  it("unset, the channel's owners (allowFrom without \"*\") and the console may; nobody else", () => {
    const owners = config({ channels: { telegram: { allowFrom: ["*", "42"] }, discord: { allowFrom: ["99"] } } });
    expect(canRunPrivilegedCommands(owners, { channel: "telegram", senderId: "42" })).toBe(true);
    expect(canRunPrivilegedCommands(owners, { channel: "telegram", senderId: "43" })).toBe(false);
    expect(canRunPrivilegedCommands(owners, { channel: "discord", senderId: "42" })).toBe(false);
    expect(canRunPrivilegedCommands(owners, { channel: "console", senderId: "local" })).toBe(true);
    expect(canRunPrivilegedCommands(config({}), { channel: "discord", senderId: "42" })).toBe(false);
  });
  it("a profile's allowedUsers narrows who may pin it", () => {
    expect(canPinProfile(cfg, { channel: "telegram", senderId: "1" }, "anthropic:work")).toBe(true);
    expect(canPinProfile(cfg, { channel: "discord", senderId: "7" }, "anthropic:work")).toBe(false);
    expect(canPinProfile(cfg, { channel: "discord", senderId: "7" }, "anthropic:other")).toBe(true);
    expect(canPinProfile(cfg, { channel: "discord", senderId: "8" }, "anthropic:other")).toBe(false);
    expect(canPinProfile(cfg, { channel: "console", senderId: "local" }, "anthropic:work")).toBe(true);
  });
});

describe("access properties", () => {
  const id = fc.stringMatching(/^[0-9]{1,4}$/);
  const telegramSection = fc.record(
    {
      allowFrom: fc.array(fc.oneof(id, fc.constant("*")), { maxLength: 4 }),
      dmPolicy: fc.constantFrom("pairing", "allowlist", "open", "disabled"),
      groupPolicy: fc.constantFrom("open", "allowlist", "disabled"),
    },
    { requiredKeys: [] },
  );
  const commandsSection = fc.option(fc.record({ allowFrom: fc.array(fc.oneof(id, fc.constant("*"), id.map((i) => `telegram:${i}`)), { maxLength: 4 }) }), { nil: undefined });
  const inbound = fc.record({ senderId: id, group: fc.boolean(), paired: fc.boolean() });

  it("a sender listed in allowFrom is served in DMs whatever the dmPolicy", () => {
    fc.assert(
      fc.property(telegramSection, id, (section, senderId) => {
        const cfg = config({ channels: { telegram: { ...section, allowFrom: [...(section.allowFrom ?? []), senderId] } } });
        expect(checkAccess(cfg, message({ senderId })).allowed).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("without allowFrom, an unpaired DM sender is served only under dmPolicy open", () => {
    fc.assert(
      fc.property(telegramSection, id, (section, senderId) => {
        const cfg = config({ channels: { telegram: { ...section, allowFrom: (section.allowFrom ?? []).filter((e) => e !== senderId && e !== "*") } } });
        expect(checkAccess(cfg, message({ senderId })).allowed).toBe(section.dmPolicy === "open");
      }),
      { numRuns: 500 },
    );
  });

  it("nobody is privileged unless commands.allowFrom lists them (or \"*\"), or, when it is unset, they are an owner", () => {
    fc.assert(
      fc.property(telegramSection, commandsSection, inbound, (section, commands, { senderId }) => {
        const cfg = config({ channels: { telegram: section }, ...(commands ? { commands } : {}) });
        const privileged = canRunPrivilegedCommands(cfg, { channel: "telegram", senderId });
        const expected = commands
          ? commands.allowFrom.some((e) => e === "*" || e === senderId || e === `telegram:${senderId}`)
          : (section.allowFrom ?? []).includes(senderId);
        expect(privileged).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("under the default group policy no unlisted group is answered", () => {
    fc.assert(
      fc.property(telegramSection, inbound, fc.stringMatching(/^-[0-9]{1,6}$/), (section, { senderId }, chatId) => {
        const { groupPolicy: _ignored, ...rest } = section;
        const cfg = config({ channels: { telegram: { ...rest, groups: { "-1": {} } } } });
        fc.pre(chatId !== "-1");
        expect(checkAccess(cfg, message({ senderId, chatKind: "group", chatId, mentioned: true })).allowed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("open channels", () => {
  it("warns per channel answering anyone, and says when switching is open too", () => {
    const cfg = config({
      channels: { telegram: { allowFrom: ["*"] }, discord: { guildPolicy: "open", allowFrom: ["1"] }, console: {} },
      commands: { allowFrom: ["*"] },
    });
    expect(openChannels(cfg)).toEqual([
      { channel: "telegram", dms: true, groups: false, groupPolicyKey: "groupPolicy" },
      { channel: "discord", dms: false, groups: true, groupPolicyKey: "guildPolicy" },
    ]);
    const warnings = openAccessWarnings(cfg);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^channels\.telegram is open to everyone \(DMs from anyone\).*dmPolicy "pairing"/);
    expect(warnings[1]).toMatch(/^channels\.discord is open to everyone \(any group it is added to\).*guildPolicy "allowlist"/);
    expect(warnings.every((w) => w.includes("switch models"))).toBe(true);
  });

  it("is quiet for safe defaults, restricted channels and disabled channels", () => {
    expect(openAccessWarnings(config({ channels: { telegram: {}, discord: { allowFrom: ["1"] } } }))).toEqual([]);
    expect(openAccessWarnings(config({ channels: { telegram: { enabled: false, dmPolicy: "open" } } }))).toEqual([]);
  });
});

describe("the policy reads what the plugins declare, not channel names", () => {
  const declare = (id: string, declaration: Omit<ChannelConfigDeclaration, "schema" | "help">) =>
    channelSpec(id, {
      schema: configZod.strictObject({
        enabled: channelFields.enabled(),
        allowFrom: channelFields.allowFrom(),
        dmPolicy: channelFields.dmPolicy(),
        roomPolicy: channelFields.groupPolicy("rooms"),
        rooms: configZod.optional(configZod.record(configZod.string(), configZod.strictObject({ requireMention: configZod.optional(configZod.boolean()) }))),
        requireMention: channelFields.requireMention(),
      }),
      help: "test channel",
      ...declaration,
    });
  const specs = [declare("rooms", { access: { groupsKey: "rooms", groupPolicyKey: "roomPolicy" } }), declare("terminal", { local: true })];
  const custom = new ChannelCatalog(["rooms", "terminal"], new Map(specs.map((spec) => [spec.id, spec])));
  const validated = (input: BatonConfigInput): BatonConfig => {
    const result = checkConfig(input as Record<string, unknown>, custom);
    if (!result.config) throw new Error(JSON.stringify(result.problems));
    return result.config;
  };

  it("finds groups and their policy under the declared keys", () => {
    const room = message({ channel: "rooms", chatKind: "group", chatId: "R1", mentioned: true });
    expect(checkAccess(validated({ channels: { rooms: {} } }), room)).toMatchObject({ reason: "group_not_listed", configKey: 'channels.rooms.rooms."R1"' });
    expect(checkAccess(validated({ channels: { rooms: { rooms: { R1: {} } } } }), room).allowed).toBe(true);
    expect(checkAccess(validated({ channels: { rooms: { roomPolicy: "open" } } }), room).allowed).toBe(true);
    expect(checkAccess(validated({ channels: { rooms: { roomPolicy: "disabled", rooms: { R1: {} } } } }), room)).toMatchObject({ reason: "group_disabled" });
    expect(openChannels(validated({ channels: { rooms: { roomPolicy: "open" } } }))).toEqual([{ channel: "rooms", dms: false, groups: true, groupPolicyKey: "roomPolicy" }]);
  });

  it("serves and privileges a channel declared local, whatever its name, and no other", () => {
    const cfg = validated({ channels: { terminal: { dmPolicy: "disabled" } } });
    expect(checkAccess(cfg, message({ channel: "terminal", senderId: "anyone" })).allowed).toBe(true);
    expect(canRunPrivilegedCommands(cfg, { channel: "terminal", senderId: "anyone" })).toBe(true);
    expect(openChannels(validated({ channels: { terminal: { dmPolicy: "open" } } }))).toEqual([]);
    // "console" is nothing special to the policy: here no plugin declares it local
    expect(checkAccess(cfg, message({ channel: "console", senderId: "local" }))).toMatchObject({ reason: "pairing" });
    expect(canRunPrivilegedCommands(cfg, { channel: "console", senderId: "local" })).toBe(false);
  });

  it("a listed group's key is never an inherited property name", () => {
    const cfg = validated({ channels: { rooms: { rooms: { R1: {} } } } });
    for (const chatId of ["constructor", "__proto__", "toString"]) {
      expect(checkAccess(cfg, message({ channel: "rooms", chatKind: "group", chatId, mentioned: true }))).toMatchObject({ reason: "group_not_listed" });
    }
  });
});
