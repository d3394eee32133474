import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import * as prompts from "@clack/prompts";
import JSON5 from "json5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelWizard, setupChannels } from "../../src/cli/commands/onboard-channels.js";
import { loadRuntime } from "../../src/config/runtime.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram/index.js";
import { waitFor } from "../support/wait.js";

/**
 * The wizard's channel step as a user at a terminal goes through it: @clack/prompts reading
 * keystrokes from a stream, each sent once the prompt it answers is on screen; tokens checked
 * against the Telegram and Discord fakes.
 */

let telegram: FakeTelegram;
let discord: FakeDiscord;
beforeAll(async () => {
  telegram = await startFakeTelegram({ username: "wizard_bot" });
  discord = await startFakeDiscord();
});
afterAll(async () => {
  await telegram.close();
  await discord.close();
});

/** A terminal: what the prompts printed (escape codes removed), and keys typed when a text appears. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = "";
  // eslint-disable-next-line no-control-regex -- terminal escape sequences are what is removed
  output.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")));
  let seenUpTo = 0;
  return {
    io: { input, output },
    get screen() {
      return screen;
    },
    /** Waits until `text` is shown (after what earlier steps waited for), then types `keys`. */
    async when(text: string, keys: string): Promise<void> {
      await waitFor(() => screen.indexOf(text, seenUpTo) >= 0, { what: `"${text}" on screen`, detail: () => screen.slice(seenUpTo) });
      seenUpTo = screen.indexOf(text, seenUpTo) + text.length;
      input.write(keys);
    },
  };
}

describe("baton onboard wizard: the channel step", () => {
  it("sets up the chosen channels: a refused token is asked again, an existing one kept, owners added", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "baton-wizard-"));
    const stateDir = path.join(home, ".baton");
    fs.mkdirSync(stateDir, { mode: 0o700 });
    fs.writeFileSync(path.join(stateDir, "baton.json5"), JSON5.stringify({ channels: { telegram: { apiRoot: telegram.url }, discord: { apiRoot: discord.apiRoot } } }));
    fs.writeFileSync(path.join(stateDir, ".env"), `TELEGRAM_BOT_TOKEN=${telegram.token}\n`, { mode: 0o600 });
    try {
      const runtime = await loadRuntime({ processEnv: { HOME: home, BATON_STATE_DIR: stateDir }, allChannels: true });
      const term = terminal();
      const done = channelWizard(runtime, setupChannels(runtime.channels.all()), prompts, term.io);
      await term.when("Connect chat channels?", " \x1b[B \r"); // Discord, down, Telegram, enter
      await term.when("Discord bot token", ""); // the note on where tokens come from
      await term.when("Discord bot token", `${"x".repeat(59)}\r`);
      await term.when("Refused: Discord refused this token", "");
      await term.when("Discord bot token", `${discord.token}\r`);
      await term.when("Discord knows this token: bot Baton", "");
      await term.when("Your Discord user id", "111111111111111111\r");
      await term.when(`Keep the Telegram token ${telegram.token.slice(0, 8)}…${telegram.token.slice(-4)}`, "\r");
      await term.when("Your Telegram user id", "42, 43\r");
      await done;

      expect(term.screen).toContain("permissions=274878024704");
      expect(term.screen).not.toContain(discord.token);
      expect(fs.readFileSync(path.join(stateDir, ".env"), "utf8")).toBe(`TELEGRAM_BOT_TOKEN=${telegram.token}\nDISCORD_BOT_TOKEN=${discord.token}\n`);
      const config = JSON5.parse(fs.readFileSync(path.join(stateDir, "baton.json5"), "utf8"));
      expect(config.channels).toEqual({
        telegram: { apiRoot: telegram.url, allowFrom: ["42", "43"] },
        discord: { apiRoot: discord.apiRoot, allowFrom: ["111111111111111111"] },
      });
      expect(telegram.calls.filter((c) => c.method === "getMe")).toHaveLength(0); // kept, not re-checked
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
