/** One problem in a config file, located as precisely as we can. */
export interface ConfigProblem {
  /** Dotted key path, e.g. `agents.defaults.model.primary`; empty for file-level problems. */
  keyPath: string;
  message: string;
  line?: number;
  column?: number;
}

/** A config that cannot be used. `message` names the file, the line and the key path of every problem. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(file, problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(file: string, problems: ConfigProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line ? `${file}:${p.line}${p.column ? `:${p.column}` : ""}` : file;
    return `${where}: ${p.keyPath ? `${p.keyPath}: ` : ""}${p.message}`;
  });
  return `Invalid config ${file}\n${lines.map((l) => `  ${l}`).join("\n")}`;
}
