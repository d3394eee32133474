import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, type CliHome, makeHome, REPO_ROOT } from "./helpers.js";

/**
 * The no-credential advice as a newcomer meets it: from a checkout, where `baton` is not on
 * PATH, it names `./bin/baton` and ANTHROPIC_API_KEY.
 */

const run = promisify(execFile);
let home: CliHome;
beforeEach(() => (home = makeHome()));
afterEach(() => home.cleanup());

/** `node bin/baton ...` from the checkout's root, `baton` not on PATH. */
async function fromCheckout(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: "/usr/bin:/bin", HOME: home.home, BATON_STATE_DIR: home.stateDir, NO_COLOR: "1" };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("no-credential advice from a checkout", () => {
  it("names ./bin/baton and ANTHROPIC_API_KEY", async () => {
    const status = await fromCheckout(["models", "status"]);
    expect(status.stdout).toContain("Re-run onboarding for that agent (`./bin/baton onboard --agent main`)");
    expect(status.stdout).toContain("`./bin/baton models auth paste-token --provider anthropic --agent main`");
    expect(status.stdout).toContain("or set ANTHROPIC_API_KEY (in the environment or <state>/.env)");
    const turn = await fromCheckout(["agent", "-m", "hi"]);
    expect(turn.code).toBe(1);
    expect(turn.stderr).toContain('No API key found for provider "anthropic"');
    expect(turn.stderr).toContain("./bin/baton onboard");
    expect(turn.stderr).toContain("ANTHROPIC_API_KEY");
  });
});
