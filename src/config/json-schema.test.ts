import { describe, expect, it } from "vitest";
import { loadChannelCatalog } from "./channel-catalog.js";
import { configJsonSchema } from "./json-schema.js";

describe("configJsonSchema", () => {
  it("describes each installed channel under channels.<id> from the plugin's own schema, and no other id", async () => {
    const schema = configJsonSchema(await loadChannelCatalog("all")) as any;
    const channels = schema.properties.channels;
    expect(channels.additionalProperties).toBe(false);
    expect(Object.keys(channels.properties)).toEqual(["console", "discord", "telegram"]);
    const telegram = channels.properties.telegram;
    expect(telegram.description).toMatch(/Telegram/);
    expect(telegram.additionalProperties).toBe(false);
    expect(Object.keys(telegram.properties)).toEqual(expect.arrayContaining(["botToken", "allowFrom", "dmPolicy", "groupPolicy", "groups", "webhook"]));
    expect(telegram.properties.dmPolicy).toMatchObject({ default: "pairing", enum: ["pairing", "allowlist", "open", "disabled"] });
    expect(telegram.properties.webhook.properties.host.default).toBe("127.0.0.1");
    expect(channels.properties.discord.properties.guildPolicy).toMatchObject({ default: "allowlist" });
    expect(channels.properties.console.properties.session.default).toBe("main");
    expect(schema.properties.gateway).toBeDefined();
  });
});
