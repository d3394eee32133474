/**
 * `baton chat` as a person uses it: leaving with /quit, /exit or a bare quit/exit while stdin stays
 * open, and log lines kept out of the chat (in `<state>/logs/chat.log`; only errors on stderr).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { waitFor } from "../support/wait.js";
import { BIN, makeHome, runBaton, type CliHome } from "./helpers.js";

const KEY = `sk-ant-api03-${"c".repeat(90)}WXYZ`;
let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

async function onboarded(): Promise<CliHome> {
  const home = makeHome();
  const result = await runBaton(home, ["onboard", "--non-interactive", "--anthropic-api-key", KEY]);
  expect(result.code).toBe(0);
  return home;
}

/** `baton chat` with stdin held open: lines are typed one at a time, as at a terminal. */
function startChat(home: CliHome) {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home.home, BATON_STATE_DIR: home.stateDir, NO_COLOR: "1", ANTHROPIC_BASE_URL: fake.url };
  const child = spawn(process.execPath, [BIN, "chat"], { env, cwd: home.home, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  child.stdin.on("error", () => {});
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    type: (line: string) => child.stdin.write(`${line}\n`),
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: () => child.kill("SIGKILL"),
  };
}

describe("baton chat", () => {
  it.each(["/quit", "/exit", "exit", "QUIT"])("%s ends the chat while stdin is still open; it is never sent to the model", async (quit) => {
    const home = await onboarded();
    const before = fake.requests.length;
    const chat = startChat(home);
    try {
      chat.type("hello there");
      await waitFor(() => chat.stdout().includes("echo: hello there"), { timeoutMs: 20_000, what: "the first reply", detail: chat.stderr });
      chat.type(quit);
      chat.type("typed after quitting");
      expect(await chat.exited).toBe(0);
      expect(fake.requests.slice(before).map((r) => (r.body as { messages: { content: unknown }[] }).messages.at(-1)!.content)).toEqual(["hello there"]);
      expect(chat.stdout()).not.toContain("typed after quitting");
    } finally {
      chat.kill();
      home.cleanup();
    }
  });

  it("keeps warnings out of the terminal: they go to <state>/logs/chat.log", async () => {
    const home = await onboarded();
    fake.script(KEY, { error: { status: 400, type: "invalid_request_error", message: "messages: something the fake refuses" } });
    const result = await runBaton(home, ["chat"], { input: "this one fails\n", env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("something the fake refuses");
    expect(result.stderr).not.toMatch(/WARN|INFO/);
    const log = fs.readFileSync(path.join(home.stateDir, "logs", "chat.log"), "utf8");
    expect(log).toContain("WARN [router] turn failed");
    expect(fs.statSync(path.join(home.stateDir, "logs", "chat.log")).mode & 0o777).toBe(0o600);
    expect(log).not.toContain(KEY);
    home.cleanup();
  });
});
