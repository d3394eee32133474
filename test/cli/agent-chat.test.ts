import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { makeHome, runBaton, transcripts, type CliHome } from "./helpers.js";

const KEY = `sk-ant-api03-${"k".repeat(90)}WXYZ`;
let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
  for (const t of transcripts) expect(`${t.stdout}${t.stderr}`).not.toContain(KEY);
});

async function onboarded(): Promise<CliHome> {
  const home = makeHome();
  const result = await runBaton(home, ["onboard", "--non-interactive", "--anthropic-api-key", KEY]);
  expect(result.code).toBe(0);
  return home;
}

describe("baton agent", () => {
  it("runs one turn and prints the reply; the session remembers it", async () => {
    const home = await onboarded();
    const env = { ANTHROPIC_BASE_URL: fake.url };
    const first = await runBaton(home, ["agent", "-m", "hello from the shell"], { env });
    expect(first.stdout.trim()).toBe("echo: hello from the shell");
    expect(first.code).toBe(0);
    const json = await runBaton(home, ["agent", "-m", "second", "--json"], { env });
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ ok: true, reply: "echo: second", session: "console:cli", agentId: "main", profileId: "anthropic:default", model: "anthropic/claude-opus-4-5" });
    expect((fake.requests.at(-1)!.body as any).messages).toHaveLength(3);
    const files = fs.readdirSync(path.join(home.stateDir, "agents", "main", "sessions"));
    expect(files).toEqual(["console%3Acli.json"]);
    expect(fs.statSync(path.join(home.stateDir, "agents", "main", "sessions", files[0])).mode & 0o777).toBe(0o600);
    home.cleanup();
  });

  it("runs chat commands through the same path, masked", async () => {
    const home = await onboarded();
    const status = await runBaton(home, ["agent", "-m", "/model status"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("anthropic:default");
    expect(status.stdout).toContain("sk-ant-a…WXYZ");
    const switched = await runBaton(home, ["agent", "-m", "/model sonnet", "--session", "work"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(switched.stdout).toContain("Model set to sonnet");
    await runBaton(home, ["agent", "-m", "hi", "--session", "work"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect((fake.requests.at(-1)!.body as any).model).toBe("claude-sonnet-5-5");
    home.cleanup();
  });

  it("without credentials answers with the onboarding advice and exits 1", async () => {
    const home = makeHome();
    const result = await runBaton(home, ["agent", "-m", "hi"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No API key found for provider "anthropic"');
    expect(result.stderr).toContain("baton onboard");
    home.cleanup();
  });

  it("exits 1 when its turn crashed (a corrupt session file), naming the file without the server path", async () => {
    const home = await onboarded();
    const sessions = path.join(home.stateDir, "agents", "main", "sessions");
    fs.mkdirSync(sessions, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(sessions, "console%3Acli.json"), "{ not json", { mode: 0o600 });
    const result = await runBaton(home, ["agent", "-m", "hi"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(result.code).toBe(1);
    // the operator's log line may name the real path; the reply never does
    const reply = result.stderr.split("\n").filter((line) => !/^\d{4}-\d\d-\d\dT/.test(line)).join("\n");
    expect(reply).toContain("<state>/agents/main/sessions/console%3Acli.json");
    expect(reply).not.toContain(home.stateDir);
    const json = await runBaton(home, ["agent", "-m", "hi", "--json"], { env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false });
    home.cleanup();
  });

  it("a broken config names file, line and key and exits 1", async () => {
    const home = makeHome();
    fs.mkdirSync(home.stateDir, { recursive: true });
    fs.writeFileSync(home.configPath, `{\n  agents: { defaults: { model: { primary: 5 } } },\n}\n`);
    const result = await runBaton(home, ["agent", "-m", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${home.configPath}:2:`);
    expect(result.stderr).toContain("agents.defaults.model.primary: expected string, got number");
    home.cleanup();
  });
});

describe("baton chat and gateway on the console", () => {
  it("chats over stdin/stdout and exits when stdin ends", async () => {
    const home = await onboarded();
    const result = await runBaton(home, ["chat", "--session", "term"], { input: "first line\n/model list\nsecond line\n", env: { ANTHROPIC_BASE_URL: fake.url } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("echo: first line");
    expect(result.stdout).toContain("echo: second line");
    expect(result.stdout).toContain("sonnet");
    expect(result.stdout.indexOf("echo: first line")).toBeLessThan(result.stdout.indexOf("echo: second line"));
    home.cleanup();
  });

  it("`baton gateway` with no channel and no credential answers with the seed advice instead of failing", async () => {
    const home = makeHome();
    const result = await runBaton(home, ["gateway"], { input: "hello?\n" });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("No channel configured");
    expect(result.stdout).toContain('No API key found for provider "anthropic"');
    home.cleanup();
  });
});

describe("config commands", () => {
  it("validate exits 0 on a good config and 1 with located problems", async () => {
    const home = makeHome();
    fs.mkdirSync(home.stateDir, { recursive: true });
    fs.writeFileSync(home.configPath, `{ chanels: {} }`);
    const bad = await runBaton(home, ["config", "validate"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('chanels: unknown key (did you mean "channels"?)');
    const badJson = await runBaton(home, ["config", "validate", "--json"]);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ ok: false, problems: [{ keyPath: "chanels" }] });
    fs.writeFileSync(home.configPath, `{ agents: { defaults: { model: "anthropic/claude-sonnet-4-5" } } }`);
    const good = await runBaton(home, ["config", "validate"]);
    expect(good.code).toBe(0);
    home.cleanup();
  });

  it("schema prints a JSON Schema generated from the zod schema", async () => {
    const home = makeHome();
    const result = await runBaton(home, ["config", "schema"]);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toContain("json-schema.org");
    expect(schema.properties.channels.properties.telegram.properties.botToken.type).toBe("string");
    expect(JSON.stringify(schema)).toContain("Prompt-cache TTL");
    home.cleanup();
  });

  it("unknown commands and options are usage errors (exit 2); --help exits 0", async () => {
    const home = makeHome();
    expect((await runBaton(home, ["frobnicate"])).code).toBe(2);
    expect((await runBaton(home, ["models", "status", "--bogus"])).code).toBe(2);
    const help = await runBaton(home, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("models");
  });

  it("gateway install --print writes a unit that pins the state dir and mentions its .env", async () => {
    const home = makeHome();
    const result = await runBaton(home, ["gateway", "install", "--print"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("ExecStart=");
    expect(result.stdout).toContain(`BATON_STATE_DIR=${home.stateDir}`);
    expect(result.stdout).toContain(path.join(home.stateDir, ".env"));
  });
});
