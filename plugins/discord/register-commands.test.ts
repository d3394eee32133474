import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommandSpec } from "../../src/plugin-api.js";
import { type FakeDiscord, startFakeDiscord } from "../../test/fakes/discord/index.js";
import { createDiscordPlugin } from "./index.js";
import { createHarness, type Harness } from "./test-harness.js";

const GUILD = "300000000000000001";
const OTHER_GUILD = "300000000000000002";

const MODEL: CommandSpec = {
  name: "model",
  description: "Show or switch the model for this chat",
  args: [
    { name: "model", description: "Model alias or id", autocomplete: true },
    { name: "profile", description: "Auth profile to pin", autocomplete: true },
    { name: "view", description: "What to show", choices: [{ name: "list", value: "list" }, { name: "status", value: "status" }] },
  ],
};
const RESET: CommandSpec = { name: "reset", description: "Start a new conversation", args: [] };

let fake: FakeDiscord;
let harnesses: Harness[] = [];

beforeEach(async () => {
  fake = await startFakeDiscord();
  fake.addGuild({ id: GUILD, channels: [{ id: "300000000000000010", name: "general", type: 0 }] });
  fake.addGuild({ id: OTHER_GUILD, channels: [{ id: "300000000000000020", name: "general", type: 0 }] });
});

afterEach(async () => {
  await fake.close();
  for (const harness of harnesses) harness.cleanup();
  harnesses = [];
});

/** Starts and stops the plugin once, as a gateway restart would. */
async function runOnce(commands: CommandSpec[], commandConfig?: Record<string, unknown>): Promise<Harness> {
  const harness = createHarness({
    config: { token: fake.token, apiRoot: fake.apiRoot, ...(commandConfig ? { commands: commandConfig } : {}) },
    commands,
  });
  harnesses.push(harness);
  const plugin = createDiscordPlugin({ accountId: "default" });
  await plugin.start(harness.ctx);
  await plugin.stop();
  return harness;
}

const commandRequests = () => fake.requests.filter((r) => r.path.startsWith("/applications/"));

describe("slash command registration", () => {
  it("registers the core's commands globally once and leaves an unchanged set alone on the next start", async () => {
    await runOnce([MODEL, RESET]);
    expect(fake.commandPuts).toHaveLength(1);
    expect(fake.commandPuts[0].scope).toBe("global");
    expect(fake.registeredCommands().map((c) => c.name).sort()).toEqual(["model", "reset"]);
    expect(fake.registeredCommands().find((c) => c.name === "model")?.options).toEqual([
      { type: 3, name: "model", description: "Model alias or id", autocomplete: true },
      { type: 3, name: "profile", description: "Auth profile to pin", autocomplete: true },
      { type: 3, name: "view", description: "What to show", choices: [{ name: "list", value: "list" }, { name: "status", value: "status" }] },
    ]);

    await runOnce([RESET, MODEL]);
    expect(fake.commandPuts).toHaveLength(1);

    await runOnce([MODEL, { ...RESET, description: "Forget this conversation" }]);
    expect(fake.commandPuts).toHaveLength(2);
    expect(fake.registeredCommands().find((c) => c.name === "reset")?.description).toBe("Forget this conversation");
  });

  it("registers per guild when guildIds is set, and not globally", async () => {
    await runOnce([MODEL], { native: true, guildIds: [GUILD, OTHER_GUILD] });
    expect(fake.commandPuts.map((p) => p.scope).sort()).toEqual([GUILD, OTHER_GUILD]);
    expect(fake.registeredCommands("global")).toEqual([]);
    expect(fake.registeredCommands(GUILD).map((c) => c.name)).toEqual(["model"]);

    await runOnce([MODEL], { native: true, guildIds: [GUILD, OTHER_GUILD] });
    expect(fake.commandPuts).toHaveLength(2);
  });

  it("puts required options first, which Discord insists on", async () => {
    const pin: CommandSpec = {
      name: "pin",
      description: "Pin a profile",
      args: [
        { name: "note", description: "Why" },
        { name: "profile", description: "Profile id", required: true },
      ],
    };
    await runOnce([pin]);
    expect(fake.registeredCommands()[0].options.map((o: { name: string }) => o.name)).toEqual(["profile", "note"]);
  });

  it("does not touch commands when native commands are off", async () => {
    await runOnce([MODEL], { native: false });
    expect(commandRequests()).toEqual([]);
  });

  it("logs a refused registration and still starts", async () => {
    const harness = await runOnce([MODEL], { native: true, guildIds: ["399999999999999999"] });
    expect(fake.commandPuts).toEqual([]);
    expect(harness.logs.some((l) => l.level === "error" && l.msg.includes("registration failed"))).toBe(true);
  });
});
