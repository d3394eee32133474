import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "./package-root.js";

/**
 * How the user who runs Baton types its command, for advice texts ("run `baton onboard`"). From a
 * checkout `baton` is usually not on PATH: there it is `./bin/baton` (or `npx baton`).
 */
export interface InvocationFacts {
  /** `process.argv[1]`: the script node ran. */
  script: string | undefined;
  cwd: string;
  /** Baton's package root (the checkout or the installed package). */
  root: string;
  /** `$npm_command`: "exec" under `npx`. */
  npmCommand?: string;
  /** The real path of `baton` found on PATH, if any. */
  onPath?: string;
}

/** Pure: "baton" (on PATH, or not run from bin/baton), "npx baton", or "./bin/baton" from the checkout's root. */
export function commandName(facts: InvocationFacts): string {
  const bin = path.join(facts.root, "bin", "baton");
  if (!facts.script || path.resolve(facts.cwd, facts.script) !== bin) return "baton";
  // npx puts its own link to this bin on PATH: that one is gone once npx returns
  if (facts.npmCommand === "exec") return "npx baton";
  if (facts.onPath === bin) return "baton";
  if (path.resolve(facts.cwd) === facts.root) return "./bin/baton";
  return "baton";
}

function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(path.delimiter)) {
    if (!dir) continue;
    try {
      return fs.realpathSync(path.join(dir, name));
    } catch {
      // not in this one
    }
  }
  return undefined;
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

let cached: string | undefined;

/** {@link commandName} for this process (worked out once, when advice is first written). */
export function batonCommand(): string {
  if (cached !== undefined) return cached;
  try {
    const root = realpathOr(packageRoot());
    const script = process.argv[1] ? realpathOr(path.resolve(process.argv[1])) : undefined;
    cached = commandName({ script, cwd: realpathOr(process.cwd()), root, npmCommand: process.env.npm_command, onPath: findOnPath("baton", process.env.PATH) });
  } catch {
    cached = "baton";
  }
  return cached;
}
