import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ChannelStateError } from "../channel-state.js";
import { FileChannelState } from "./channel-state.js";

describe("FileChannelState", () => {
  it("keeps each key in <dir>/<key>.json (0600, directory 0700), readable by the plugins' own file format", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "baton-channel-")), "channels", "telegram");
    const state = new FileChannelState(dir);
    await state.set("offset", { lastUpdateId: 41 });
    const file = path.join(dir, "offset.json");
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ lastUpdateId: 41 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    fs.writeFileSync(path.join(dir, "commands.json"), JSON.stringify({ hash: "abc" }));
    expect(await state.get("commands")).toEqual({ hash: "abc" });
  });

  it("reports an unreadable value with its path and leaves it as it is", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-channel-"));
    fs.writeFileSync(path.join(dir, "pending.json"), "[{ half");
    const state = new FileChannelState(dir);
    await expect(state.get("pending")).rejects.toThrow(ChannelStateError);
    await expect(state.get("pending")).rejects.toThrow(path.join(dir, "pending.json"));
    expect(fs.readFileSync(path.join(dir, "pending.json"), "utf8")).toBe("[{ half");
  });
});
