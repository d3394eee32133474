import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./main.js";

/** `--help` as a user reads it: every action described, examples and the environment after the options. */

function find(program: Command, path: string): Command {
  let cmd = program;
  for (const name of path.split(" ").filter(Boolean)) cmd = cmd.commands.find((c) => c.name() === name)!;
  return cmd;
}

function helpOf(path: string): string {
  const program = buildProgram();
  let out = "";
  const cmd = find(program, path);
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

describe("help texts", () => {
  it("describes every command, the order and cooldown actions included", () => {
    const missing: string[] = [];
    const visit = (cmd: Command, prefix: string) => {
      for (const sub of cmd.commands) {
        const path = `${prefix} ${sub.name()}`.trim();
        if (!sub.description()) missing.push(path);
        visit(sub, path);
      }
    };
    visit(buildProgram(), "");
    expect(missing).toEqual([]);
    expect(helpOf("models auth order")).toMatch(/set \[options\] <ids\.\.\.>\s+use exactly these profiles/);
    expect(helpOf("models auth cooldown")).toMatch(/clear \[options\] \[id\]\s+make profiles usable again now/);
  });

  it("lists the environment variables and examples after baton's options", () => {
    const root = helpOf("");
    for (const name of ["BATON_STATE_DIR", "BATON_CONFIG", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENROUTER_API_KEY", "CLAUDE_CONFIG_DIR", "NO_COLOR"]) expect(root).toContain(name);
    expect(root).toContain("Examples:");
    expect(root).toContain("./bin/baton");
  });

  it.each(["gateway", "onboard", "models status", "models auth paste-token", "models auth order", "models auth cooldown", "agent", "config validate"])("%s has examples", (path) => {
    expect(helpOf(path)).toMatch(new RegExp(`Examples?:\\n  baton ${path.split(" ")[0]}`));
  });
});
