import type { Logger } from "../../plugin-api.js";

/**
 * The Anthropic SDK warns about deprecated models (and deprecated thinking settings) with a bare
 * `console.warn` at the start of `messages.create`, on every request: not through its `logger`
 * option, so raw lines would land in the gateway's output (and in a terminal chat). Baton takes
 * them from that synchronous call and logs each once per model through its own logger.
 */

/**
 * Runs `call` with `console.warn` collecting instead of printing. Only for synchronous code: the
 * original is back before anything else can run (a warning from elsewhere cannot slip in).
 */
export function withConsoleWarnings<T>(call: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (typeof a === "string" ? a : String(a))).join(" "));
  };
  try {
    return { value: call(), warnings };
  } finally {
    console.warn = original;
  }
}

/** Logs provider warnings once per (model, text): the first request with a deprecated model says so, the next ones do not. */
export class ProviderWarnings {
  readonly #seen = new Set<string>();

  constructor(
    private readonly log: Pick<Logger, "warn">,
    /** Bounds memory against a model id per request from a hostile config. */
    private readonly max = 256,
  ) {}

  report(model: string, warnings: readonly string[]): void {
    for (const text of warnings) {
      const key = `${model}\u0000${text}`;
      if (this.#seen.has(key) || this.#seen.size >= this.max) continue;
      this.#seen.add(key);
      this.log.warn(`provider warning for ${model}: ${text.replace(/\s*\n\s*/g, " ")}`, { model });
    }
  }
}
