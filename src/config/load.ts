import fs from "node:fs";
import JSON5 from "json5";
import { BatonConfig } from "./schema.js";
import { ConfigError, type ConfigProblem } from "./errors.js";
import { findPosition, locateKeys } from "./locate.js";
import { applyMigrations, type Migration } from "./migrate.js";
import { closestMatch, knownKeysAt } from "./schema-walk.js";
import type { Env } from "./paths.js";

export interface LoadedConfig {
  config: BatonConfig;
  /** The file read, or the path that would be read when it does not exist. */
  path: string;
  exists: boolean;
  /** Migrations applied in memory on this load (not yet written back). */
  migrations: Migration[];
  /** The parsed file after migrations and before validation/defaults (for write-back). */
  raw: Record<string, unknown>;
}

/**
 * Reads, substitutes `${VAR}`, migrates and validates a config file.
 * A missing file is an empty config; any other problem throws a {@link ConfigError}.
 */
export function loadConfigFile(file: string, env: Env): LoadedConfig {
  let source: string;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch (err: any) {
    if (err?.code === "ENOENT") {
      return { config: BatonConfig.parse({}), path: file, exists: false, migrations: [], raw: {} };
    }
    throw new ConfigError(file, [{ keyPath: "", message: `cannot read: ${err?.message ?? err}` }]);
  }
  return parseConfigSource(source, file, env);
}

export function parseConfigSource(source: string, file: string, env: Env): LoadedConfig {
  let parsed: unknown;
  try {
    parsed = source.trim() === "" ? {} : JSON5.parse(source);
  } catch (err: any) {
    const message = String(err?.message ?? err).replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    throw new ConfigError(file, [{ keyPath: "", message: `JSON5 syntax error: ${message}`, line: err?.lineNumber, column: err?.columnNumber }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(file, [{ keyPath: "", message: "the config must be an object ({ ... })", line: 1 }]);
  }
  // Key positions are only needed to point at problems; scanning costs more than parsing, so do it lazily.
  let positions: ReturnType<typeof locateKeys> | undefined;
  const locate = (keyPath: string) => findPosition((positions ??= locateKeys(source)), keyPath);

  const missing: ConfigProblem[] = [];
  const substituted = substituteEnv(parsed, env, [], missing) as Record<string, unknown>;
  if (missing.length) throw new ConfigError(file, missing.map((p) => ({ ...p, ...locate(p.keyPath) })));

  const migrations = applyMigrations(substituted);
  const result = BatonConfig.safeParse(substituted, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, substituted)).map((p) => ({ ...p, ...locate(p.keyPath) }));
    throw new ConfigError(file, problems);
  }
  return { config: result.data, path: file, exists: true, migrations, raw: substituted };
}

const VAR_PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${VAR}` in every string value; `$$` is a literal `$`. Missing variables are reported by key path. */
function substituteEnv(value: unknown, env: Env, path: string[], missing: ConfigProblem[]): unknown {
  if (typeof value === "string") {
    return value.replace(VAR_PATTERN, (match, name: string | undefined) => {
      if (!name) return "$";
      const found = env[name];
      if (found === undefined || found === "") {
        missing.push({ keyPath: path.join("."), message: `environment variable ${name} is not set (used as \${${name}})` });
        return match;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, [...path, String(i)], missing));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k], missing)]));
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: any = root;
  for (const key of path) current = current?.[key as any];
  return current;
}

function describeIssue(issue: any, root: unknown): ConfigProblem[] {
  const path: (string | number)[] = issue.path ?? [];
  const keyPath = path.join(".");
  switch (issue.code) {
    case "unrecognized_keys":
      return (issue.keys as string[]).map((key) => {
        const suggestion = closestMatch(key, knownKeysAt(BatonConfig, path));
        return {
          keyPath: [...path, key].join("."),
          message: `unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
        };
      });
    case "invalid_type": {
      const actual = issue.input !== undefined || valueAt(root, path) !== undefined ? typeName(issue.input ?? valueAt(root, path)) : "nothing";
      return [{ keyPath, message: `expected ${issue.expected}, got ${actual}` }];
    }
    case "invalid_value":
      return [{ keyPath, message: `expected one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(valueAt(root, path))}` }];
    case "invalid_union": {
      const branches = (issue.errors as any[][] | undefined) ?? [];
      // The branch that got furthest into the value is the one the user meant.
      const depth = (branch: any[]) => Math.max(...branch.map((n) => (n.path ?? []).length));
      const best = branches.filter((b) => b.length).sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) {
        return best.flatMap((nested) => describeIssue({ ...nested, path: [...path, ...(nested.path ?? [])] }, root));
      }
      const expected = [...new Set(branches.flat().filter((n) => n.code === "invalid_type").map((n) => n.expected))];
      if (expected.length) return [{ keyPath, message: `expected ${expected.join(" or ")}, got ${typeName(valueAt(root, path))}` }];
      return [{ keyPath, message: issue.message }];
    }
    default:
      return [{ keyPath, message: issue.message }];
  }
}
