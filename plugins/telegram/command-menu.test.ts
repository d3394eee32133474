import { describe, expect, it } from "vitest";
import { menuFromSpecs, menuHash } from "./command-menu.js";

const spec = (name: string, description = `${name} command`) => ({ name, description, args: [] });

describe("menuFromSpecs", () => {
  it("keeps what Telegram accepts: valid unique names, 1-256 char descriptions, at most 100", () => {
    const menu = menuFromSpecs([spec("model"), spec("Bad-Name"), spec("model", "again"), spec("help", "  "), spec("long", "d".repeat(300))]);
    expect(menu).toEqual([
      { command: "model", description: "model command" },
      { command: "help", description: "help" },
      { command: "long", description: "d".repeat(256) },
    ]);
    expect(menuFromSpecs(Array.from({ length: 120 }, (_, n) => spec(`c${n}`)))).toHaveLength(100);
  });
});

describe("menuHash", () => {
  it("changes with the commands and with the bot", () => {
    const menu = menuFromSpecs([spec("model")]);
    expect(menuHash(1, menu)).toBe(menuHash(1, menuFromSpecs([spec("model")])));
    expect(menuHash(1, menu)).not.toBe(menuHash(2, menu));
    expect(menuHash(1, menu)).not.toBe(menuHash(1, menuFromSpecs([spec("model", "other")])));
  });
});
