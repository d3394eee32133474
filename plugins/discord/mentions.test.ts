import { describe, expect, it } from "vitest";
import { stripBotMention } from "./mentions.js";

describe("stripBotMention", () => {
  it("removes the bot's user and nickname mentions wherever they are", () => {
    expect(stripBotMention("<@42> what's up", "42")).toBe("what's up");
    expect(stripBotMention("hey <@!42>", "42")).toBe("hey");
    expect(stripBotMention("ask <@42> about it", "42")).toBe("ask about it");
  });

  it("removes the bot's role mention and keeps other people's mentions and line breaks", () => {
    expect(stripBotMention("<@&7> ping <@43>", "42", ["7"])).toBe("ping <@43>");
    expect(stripBotMention("<@42>\n```js\ncode\n```", "42")).toBe("```js\ncode\n```");
  });
});
