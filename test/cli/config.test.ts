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

  it("accepts config.example.json5 as shipped, listing the variables it uses that are unset here apart", async () => {
    writeConfig(fs.readFileSync(path.join(REPO_ROOT, "config.example.json5"), "utf8"));
    const result = await runBaton(home, ["config", "validate"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${home.configPath} is valid\n`);
    expect(result.stderr).toContain(`Not set in this environment (set them in the environment or ${home.envFile} before \`baton gateway\`)`);
    expect(result.stderr).toMatch(/ {2}TELEGRAM_BOT_TOKEN {2}\(line \d+, channels\.telegram\.botToken\)/);
    expect(result.stderr).toMatch(/ {2}DISCORD_BOT_TOKEN {2}\(line \d+, channels\.discord\.token\)/);
    const asJson = json(await runBaton(home, ["config", "validate", "--json"]));
    expect(asJson.ok).toBe(true);
    expect(asJson.unsetVariables.map((u: { name: string }) => u.name).sort()).toEqual(["DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"]);
  });

  it("still reports real problems beside unset variables", async () => {
    writeConfig(`{\n  gateway: { concurrency: 0 },\n  channels: { telegram: { botToken: "\${TELEGRAM_BOT_TOKEN}" } },\n}\n`);
    const result = await runBaton(home, ["config", "validate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${home.configPath}:2:`);
    expect(result.stderr).toContain("gateway.concurrency");
    expect(result.stderr).not.toContain("TELEGRAM_BOT_TOKEN");
  });

  it("fails when --config or $BATON_CONFIG names a file that does not exist; the default file may be missing", async () => {
    const missing = path.join(home.home, "nope.json5");
    const flagged = await runBaton(home, ["--config", missing, "config", "validate"]);
    expect(flagged.code).toBe(1);
    expect(flagged.stderr).toContain(`${missing}: no such file (named by --config)`);
    const fromEnv = await runBaton(home, ["models", "status"], { env: { BATON_CONFIG: missing } });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain(`${missing}: no such file (named by $BATON_CONFIG)`);
    const gateway = await runBaton(home, ["--config", missing, "gateway"]);
    expect(gateway.code).toBe(1);
    expect(gateway.stderr).toContain(missing);
    const install = await runBaton(home, ["--config", missing, "gateway", "install", "--print"]);
    expect(install.code).toBe(1);
    expect(install.stderr).toContain(`${missing}: no such file (named by --config)`);
    const byDefault = await runBaton(home, ["config", "validate"]);
    expect(byDefault.code).toBe(0);
    expect(byDefault.stdout).toContain("does not exist; the defaults apply");
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
