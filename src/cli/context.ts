/** What a CLI command handler gets: its streams, environment and global flags. Handlers return an exit code. */
export interface CliContext {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** `--config PATH` when given. */
  configFlag?: string;
  color: boolean;
}

export type CommandHandler<Options> = (options: Options, ctx: CliContext) => Promise<number | void>;

/** Exit codes shared by all commands (docs/COMMANDS.md). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function createCliContext(configFlag?: string): CliContext {
  const env = process.env;
  const color = !env.NO_COLOR && env.TERM !== "dumb" && Boolean(process.stdout.isTTY);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // process.stdin is created on first access (it loads the tty/net machinery): only commands that read it pay
    get stdin() {
      return process.stdin;
    },
    env,
    configFlag,
    color,
  };
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
