import fs from "node:fs";
import { writeFileAtomic } from "../util/atomic-file.js";

/**
 * `<state>/.env` edits: set variables, keep every other line (comments included).
 * Pure: `text` with each `NAME=value` line replaced (an `export NAME=` line too), or appended.
 */
export function withEnvVars(text: string, vars: Readonly<Record<string, string>>): string {
  const names = Object.keys(vars);
  const lines = text === "" ? [] : text.split("\n");
  const kept = lines.filter((line) => !names.some((name) => new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(line)));
  while (kept.length && kept[kept.length - 1] === "") kept.pop();
  for (const name of names) kept.push(`${name}=${vars[name]}`);
  return `${kept.join("\n")}\n`;
}

/** A value written unquoted must not hold what dotenv would read differently (spaces, quotes, `#`, `\`). */
export function plainEnvValue(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value) && !/["'`#\\]/.test(value);
}

/** Sets the variables in a dotenv file (created when missing), atomically, 0600. */
export async function setEnvVars(file: string, vars: Readonly<Record<string, string>>): Promise<void> {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err: any) {
    if (err?.code !== "ENOENT") throw err;
  }
  await writeFileAtomic(file, withEnvVars(text, vars), 0o600);
}
