import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CORE_SHELL_IMPORT_KEYS, importLoginShellEnv, mergeEnv, readDotenvFile } from "./env.js";
import { loadRuntime } from "./runtime.js";

describe("mergeEnv", () => {
  it("takes process env over .env over config env over the login shell", () => {
    const env = mergeEnv({
      process: { A: "process" },
      dotenv: { A: "dotenv", B: "dotenv" },
      config: { A: "config", B: "config", C: "config" },
      shell: { A: "shell", B: "shell", C: "shell", D: "shell" },
    });
    expect(env).toMatchObject({ A: "process", B: "dotenv", C: "config", D: "shell" });
  });

  it("never lets an empty higher value hide a lower non-empty one", () => {
    expect(mergeEnv({ process: { A: "" }, dotenv: { A: "dotenv" }, config: {}, shell: {} }).A).toBe("dotenv");
  });
});

describe("readDotenvFile", () => {
  it("parses dotenv syntax (quotes, comments, export-less)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-env-"));
    const file = path.join(dir, ".env");
    fs.writeFileSync(file, `# comment\nANTHROPIC_API_KEY="sk-ant-api03-abc"\nTELEGRAM_BOT_TOKEN=123:xyz # trailing\nMULTI="a\\nb"\n`);
    expect(readDotenvFile(file)).toMatchObject({ ANTHROPIC_API_KEY: "sk-ant-api03-abc", TELEGRAM_BOT_TOKEN: "123:xyz" });
    expect(readDotenvFile(path.join(dir, "missing"))).toEqual({});
  });
});

describe("loadRuntime", () => {
  it("layers <state>/.env and the config env block under the process env", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "baton-state-"));
    fs.writeFileSync(path.join(state, ".env"), "FROM_DOTENV=dotenv\nSHARED=dotenv\n");
    fs.writeFileSync(path.join(state, "baton.json5"), `{ env: { SHARED: "config", FROM_CONFIG: "config", vars: { FROM_VARS: "vars" } } }`);
    const runtime = await loadRuntime({ processEnv: { BATON_STATE_DIR: state, HOME: state, SHARED: "" } });
    expect(runtime.env).toMatchObject({ FROM_DOTENV: "dotenv", SHARED: "dotenv", FROM_CONFIG: "config", FROM_VARS: "vars" });
    expect(runtime.paths.configPath).toBe(path.join(state, "baton.json5"));
  });

  it("uses --config over $BATON_CONFIG over <state>/baton.json5", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "baton-state-"));
    const a = path.join(state, "a.json5");
    const b = path.join(state, "b.json5");
    fs.writeFileSync(a, "{}");
    fs.writeFileSync(b, "{}");
    expect((await loadRuntime({ processEnv: { BATON_STATE_DIR: state, BATON_CONFIG: a } })).paths.configPath).toBe(a);
    expect((await loadRuntime({ processEnv: { BATON_STATE_DIR: state, BATON_CONFIG: a }, configFlag: b })).paths.configPath).toBe(b);
  });

  it("${VAR} in the config sees values from <state>/.env", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "baton-state-"));
    fs.writeFileSync(path.join(state, ".env"), "TG=123:from-dotenv\n");
    fs.writeFileSync(path.join(state, "baton.json5"), `{ channels: { telegram: { botToken: "\${TG}" } } }`);
    const runtime = await loadRuntime({ processEnv: { BATON_STATE_DIR: state } });
    expect(runtime.config.channels?.telegram?.botToken).toBe("123:from-dotenv");
  });
});

describe("importLoginShellEnv", () => {
  it("imports only the keys it is given from the login shell", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-shell-"));
    const shell = path.join(dir, "fake-shell");
    fs.writeFileSync(shell, `#!/bin/sh\nprintf 'ANTHROPIC_API_KEY=sk-ant-from-shell\\0SECRET_OTHER=nope\\0DISCORD_BOT_TOKEN=d\\0'\n`, { mode: 0o755 });
    expect(await importLoginShellEnv(shell, 2000, [...CORE_SHELL_IMPORT_KEYS, "DISCORD_BOT_TOKEN"])).toEqual({ ANTHROPIC_API_KEY: "sk-ant-from-shell", DISCORD_BOT_TOKEN: "d" });
  });

  it("gives up after the timeout", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-shell-"));
    const shell = path.join(dir, "slow-shell");
    fs.writeFileSync(shell, `#!/bin/sh\nsleep 5\n`, { mode: 0o755 });
    expect(await importLoginShellEnv(shell, 100, CORE_SHELL_IMPORT_KEYS)).toEqual({});
  });

  it("through loadRuntime, imports the core's keys and every installed channel plugin's envKeys, nothing else", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "baton-state-"));
    const shell = path.join(state, "fake-shell");
    fs.writeFileSync(shell, `#!/bin/sh\nprintf 'ANTHROPIC_API_KEY=sk-ant-from-shell\\0TELEGRAM_BOT_TOKEN=t\\0DISCORD_BOT_TOKEN=d\\0SECRET_OTHER=nope\\0'\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(state, "baton.json5"), `{ env: { shellEnv: { enabled: true } } }`);
    const runtime = await loadRuntime({ processEnv: { BATON_STATE_DIR: state, HOME: state, SHELL: shell }, shellImport: true });
    expect(runtime.env).toMatchObject({ ANTHROPIC_API_KEY: "sk-ant-from-shell", TELEGRAM_BOT_TOKEN: "t", DISCORD_BOT_TOKEN: "d" });
    expect(runtime.env.SECRET_OTHER).toBeUndefined();
  });
});
