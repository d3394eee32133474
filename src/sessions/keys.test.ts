import { describe, expect, it } from "vitest";
import { sessionKeysFor } from "./keys.js";

const base = { senderId: "7" };

describe("sessionKeysFor", () => {
  it.each([
    [{ channel: "telegram", chatKind: "dm", chatId: "7" }, { key: "telegram:dm:7" }],
    [{ channel: "telegram", chatKind: "group", chatId: "-100" }, { key: "telegram:group:-100" }],
    [{ channel: "telegram", chatKind: "group", chatId: "-100", topicId: "5" }, { key: "telegram:group:-100:topic:5", parentKey: "telegram:group:-100" }],
    [{ channel: "discord", chatKind: "dm", chatId: "dmchannel" }, { key: "discord:dm:7" }],
    [{ channel: "discord", chatKind: "channel", chatId: "C1" }, { key: "discord:channel:C1" }],
    [{ channel: "discord", chatKind: "channel", chatId: "T1", parentChatId: "C1" }, { key: "discord:channel:T1", parentKey: "discord:channel:C1" }],
    [{ channel: "console", chatKind: "dm", chatId: "main" }, { key: "console:main" }],
    [{ channel: "console", chatKind: "dm", chatId: "telegram:dm:42" }, { key: "telegram:dm:42" }],
  ] as const)("%o -> %o", (message, expected) => {
    expect(sessionKeysFor({ ...base, ...message })).toEqual(expected);
  });
});
