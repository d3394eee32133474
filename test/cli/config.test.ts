import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type CliHome, freshHomeForEachTest, json, REPO_ROOT, runBaton } from "./helpers.js";

/**
 * `baton config validate | schema` as a user runs them (the built bin/baton): channel sections
 * checked by the installed channel plugins' own config modules, located to the line.
 */

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

function writeConfig(source: string): void {
  fs.mkdirSync(home.stateDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(home.configPath, source, { mode: 0o600 });
}

describe("baton config validate", () => {
  it("accepts config.example.json5", async () => {
    writeConfig(fs.readFileSync(path.join(REPO_ROOT, "config.example.json5"), "utf8"));
    const result = await runBaton(home, ["config", "validate"], { env: { TELEGRAM_BOT_TOKEN: "1:x", DISCORD_BOT_TOKEN: "x" } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("is valid");
  });

  it("locates a problem inside a channel section and suggests the plugin's own key", async () => {
    writeConfig(`{\n  channels: {\n    discord: {\n      guildPolcy: "open",\n      allowFrom: "42",\n    },\n  },\n}\n`);
    const result = await runBaton(home, ["config", "validate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${home.configPath}:4:7: channels.discord.guildPolcy: unknown key (did you mean "guildPolicy"?)`);
    expect(result.stderr).toContain(`${home.configPath}:5:7: channels.discord.allowFrom: expected array, got string`);
  });

  it("names the installed channels for an id no plugin provides", async () => {
    writeConfig(`{ channels: { telegarm: {} } }`);
    const result = json(await runBaton(home, ["config", "validate", "--json"]));
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({ keyPath: "channels.telegarm", message: expect.stringContaining('(did you mean "telegram"?); installed: console, discord, telegram'), line: 1 }),
    ]);
  });
});

describe("baton config schema", () => {
  it("holds each installed channel's schema under channels.<id>", async () => {
    const schema = json(await runBaton(home, ["config", "schema"]));
    const channels = schema.properties.channels;
    expect(Object.keys(channels.properties)).toEqual(["console", "discord", "telegram"]);
    expect(channels.additionalProperties).toBe(false);
    expect(channels.properties.telegram.properties.groupPolicy.default).toBe("allowlist");
    expect(channels.properties.discord.properties.guilds).toBeDefined();
  });
});
