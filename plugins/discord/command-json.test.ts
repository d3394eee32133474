import { describe, expect, it } from "vitest";
import type { CommandSpec } from "../../src/plugin-api.js";
import { sameCommandSet, toApplicationCommand, toApplicationCommands } from "./command-json.js";

const MODEL: CommandSpec = {
  name: "model",
  description: "Show or switch the model",
  args: [
    { name: "model", description: "Model alias or id", autocomplete: true },
    { name: "profile", description: "Auth profile", autocomplete: true },
    { name: "view", description: "What to show", choices: [{ name: "list", value: "list" }, { name: "status", value: "status" }] },
  ],
};

describe("toApplicationCommand", () => {
  it("turns every arg into a string option with its required flag, choices or autocomplete", () => {
    expect(toApplicationCommand(MODEL)).toEqual({
      type: 1,
      name: "model",
      description: "Show or switch the model",
      options: [
        { type: 3, name: "model", description: "Model alias or id", autocomplete: true },
        { type: 3, name: "profile", description: "Auth profile", autocomplete: true },
        { type: 3, name: "view", description: "What to show", choices: [{ name: "list", value: "list" }, { name: "status", value: "status" }] },
      ],
    });
  });

  it("orders required options first and prefers fixed choices over autocomplete", () => {
    const command = toApplicationCommand({
      name: "x",
      description: "x",
      args: [
        { name: "a", description: "a" },
        { name: "b", description: "b", required: true, autocomplete: true, choices: [{ name: "one", value: "1" }] },
      ],
    });
    expect(command.options).toEqual([
      { type: 3, name: "b", description: "b", required: true, choices: [{ name: "one", value: "1" }] },
      { type: 3, name: "a", description: "a" },
    ]);
  });

  it("fits descriptions into Discord's 1–100 characters and omits options for argless commands", () => {
    const command = toApplicationCommand({ name: "help", description: "d".repeat(150), args: [{ name: "topic", description: "  " }] });
    expect(command.description).toHaveLength(100);
    expect(command.options?.[0].description).toBe("topic");
    expect(toApplicationCommand({ name: "reset", description: "Reset", args: [] })).toEqual({ type: 1, name: "reset", description: "Reset" });
  });
});

describe("toApplicationCommands", () => {
  it("leaves out names Discord refuses, and duplicates", () => {
    const { commands, skipped } = toApplicationCommands([MODEL, { name: "Bad Name", description: "x", args: [] }, MODEL]);
    expect(commands.map((c) => c.name)).toEqual(["model"]);
    expect(skipped).toEqual(["Bad Name"]);
  });
});

describe("sameCommandSet", () => {
  const desired = [toApplicationCommand(MODEL), toApplicationCommand({ name: "reset", description: "Reset", args: [] })];

  it("matches what Discord returns for the same set: extra fields, dropped false flags, other order", () => {
    const registered = [
      { id: "1", application_id: "9", version: "2", type: 1, name: "reset", description: "Reset", default_member_permissions: null, dm_permission: true, nsfw: false },
      {
        id: "3",
        application_id: "9",
        version: "4",
        type: 1,
        name: "model",
        description: "Show or switch the model",
        nsfw: false,
        options: [
          { type: 3, name: "model", description: "Model alias or id", autocomplete: true, required: false },
          { type: 3, name: "profile", description: "Auth profile", autocomplete: true },
          { type: 3, name: "view", description: "What to show", choices: [{ name: "list", value: "list" }, { name: "status", value: "status" }] },
        ],
      },
    ];
    expect(sameCommandSet(registered, desired)).toBe(true);
  });

  it("sees changed descriptions, options, choices, and added or removed commands", () => {
    const registered = JSON.parse(JSON.stringify(desired));
    expect(sameCommandSet(registered, desired)).toBe(true);
    const changed = (mutate: (r: any[]) => void) => {
      const copy = JSON.parse(JSON.stringify(desired));
      mutate(copy);
      return sameCommandSet(copy, desired);
    };
    expect(changed((r) => (r[1].description = "Other"))).toBe(false);
    expect(changed((r) => (r[0].options[0].autocomplete = false))).toBe(false);
    expect(changed((r) => r[0].options[2].choices.pop())).toBe(false);
    expect(changed((r) => r.pop())).toBe(false);
    expect(changed((r) => r.push({ type: 1, name: "extra", description: "x" }))).toBe(false);
  });
});
