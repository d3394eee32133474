import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../cli/helpers.js";

/**
 * A newcomer's first command: clone the repository, run the README's install command, and find
 * the checkout unchanged (package-lock.json not rewritten, nothing built into tracked files) and
 * no install-script warnings. Needs the npm registry (its cache makes it a few tens of seconds).
 */

const run = promisify(execFile);
const clone = fs.mkdtempSync(path.join(os.tmpdir(), "baton-fresh-install-"));
afterAll(() => fs.rmSync(clone, { recursive: true, force: true }));

/** The `npm install` / `npm ci` steps of the README's first quick-start command. */
function readmeInstallCommand(): string[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const block = /## Quick start[^\n]*\n+```bash\n([^\n]+)/.exec(readme);
  if (!block) throw new Error("README.md has no Quick start bash block");
  const first = block[1].replace(/#.*$/, "");
  const steps = first.split("&&").map((s) => s.trim()).filter((s) => /^npm (install|ci)\b/.test(s));
  if (steps.length !== 1) throw new Error(`expected one npm install step in "${first}"`);
  return steps[0].split(/\s+/).slice(1);
}

describe("a fresh clone", () => {
  it("installs with the README's command and leaves git status clean, with no install-script warnings", async () => {
    const args = readmeInstallCommand();
    expect(args[0]).toMatch(/^(install|ci)$/);
    await run("git", ["clone", "--quiet", REPO_ROOT, clone]);
    const env = { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
    const install = await run("npm", args, { cwd: clone, env, maxBuffer: 16 * 1024 * 1024 });
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/npm warn install-scripts/i);
    const status = await run("git", ["status", "--porcelain"], { cwd: clone });
    expect(status.stdout).toBe("");
    expect(fs.existsSync(path.join(clone, "dist", "cli", "main.js"))).toBe(true);
    // and the lockfile is one `npm ci` accepts (a dry run checks it is in sync with package.json; it exits 1 otherwise)
    const ci = await run("npm", ["ci", "--dry-run", "--ignore-scripts"], { cwd: clone, env, maxBuffer: 16 * 1024 * 1024 });
    expect(ci.stderr).not.toMatch(/npm (error|ERR)/i);
    expect((await run("git", ["status", "--porcelain"], { cwd: clone })).stdout).toBe("");
  }, 240_000); // ~50 s on an idle 2-core machine (npm install builds dist/), twice that when busy
});
