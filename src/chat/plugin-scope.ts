import type { Dispose, Logger } from "../plugin-api.js";
import { describeThrown } from "../util/log.js";
import { settledWithin } from "../util/timeout.js";

/** How long all of one attempt's effects together may take to dispose. */
export const DISPOSE_DEADLINE_MS = 5000;

/**
 * What one start attempt of a channel registered through `ctx.effect`: disposed together, newest
 * first, when the attempt ends (the plugin stopped, reported a lost connection, or the gateway
 * stops). A failing or hanging dispose is logged; it never stops the others or the caller.
 */
export class PluginScope {
  #disposers: Dispose[] = [];
  #closed = false;

  constructor(
    private readonly log: Logger,
    private readonly channel: string,
  ) {}

  /**
   * Runs `setup` and keeps the dispose it returns; resolves with a function that disposes it
   * early (once). An effect set up after the scope closed is disposed at once.
   */
  async effect(setup: () => Dispose | Promise<Dispose>): Promise<Dispose> {
    if (this.#closed) throw new Error(`channel ${this.channel}: this start attempt has ended; nothing more can be started in it`);
    const dispose = await setup();
    if (typeof dispose !== "function") throw new TypeError("ctx.effect: setup must return a dispose function");
    let done = false;
    const once: Dispose = async () => {
      if (done) return;
      done = true;
      this.#disposers = this.#disposers.filter((d) => d !== once);
      await this.#run(dispose);
    };
    if (this.#closed) {
      await once();
      return once;
    }
    this.#disposers.push(once);
    return once;
  }

  /** Disposes every effect, newest first, all within `deadlineMs`; later `effect` calls are refused. Never rejects. */
  async dispose(deadlineMs = DISPOSE_DEADLINE_MS): Promise<void> {
    this.#closed = true;
    const disposers = this.#disposers.reverse();
    this.#disposers = [];
    if (disposers.length === 0) return;
    const all = (async () => {
      for (const dispose of disposers) await dispose();
    })();
    if (!(await settledWithin(all, deadlineMs))) {
      this.log.warn("channel cleanup did not finish in time; going on without it", { channel: this.channel, deadlineMs });
    }
  }

  async #run(dispose: Dispose): Promise<void> {
    try {
      await dispose();
    } catch (err) {
      this.log.warn("channel cleanup failed", { channel: this.channel, error: describeThrown(err) });
    }
  }
}
