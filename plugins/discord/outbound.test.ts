import { describe, expect, it } from "vitest";
import { commandFromCustomId, createMessageBody, editMessageBody, toComponents } from "./outbound.js";

describe("createMessageBody", () => {
  it("sends the text with no pings, and a non-failing reply reference when replying", () => {
    expect(createMessageBody({ text: "**hi**", plainText: "hi" }, "55")).toEqual({
      content: "**hi**",
      allowed_mentions: { parse: [], replied_user: false },
      message_reference: { message_id: "55", fail_if_not_exists: false },
    });
  });
});

describe("editMessageBody", () => {
  it("always states the components, so an edit without buttons clears them", () => {
    expect(editMessageBody({ text: "done", plainText: "done" })).toEqual({
      content: "done",
      allowed_mentions: { parse: [], replied_user: false },
      components: [],
    });
  });
});

describe("toComponents", () => {
  it("makes rows of at most 5 buttons, at most 5 rows, carrying the command", () => {
    const row = Array.from({ length: 7 }, (_, i) => ({ label: `B${i}`, command: `/model m${i}` }));
    const rows = toComponents(Array.from({ length: 7 }, () => row));
    expect(rows).toHaveLength(5);
    expect(rows[0].components).toHaveLength(5);
    expect(rows[0].components[0]).toEqual({ type: 2, style: 2, label: "B0", custom_id: "baton:/model m0" });
    expect(commandFromCustomId(rows[0].components[0].custom_id)).toBe("/model m0");
  });

  it("leaves out buttons whose command does not fit Discord's custom_id", () => {
    expect(toComponents([[{ label: "long", command: `/x ${"y".repeat(100)}` }]])).toEqual([]);
    expect(commandFromCustomId("someone-else:1")).toBeUndefined();
  });
});
