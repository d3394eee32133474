import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir } from "../../config/runtime.js";
import { writeFileAtomic } from "../../util/atomic-file.js";
import { assertChannelStateKey, ChannelStateError, type ChannelStateStore } from "../channel-state.js";

/**
 * Embedded file backend of {@link ChannelStateStore}: `<dir>/<key>.json` (0600) in the
 * plugin's state directory (0700), written atomically and fsynced. Writes of one key are
 * chained, so two quick `set`s cannot land in the wrong order.
 */
export class FileChannelState implements ChannelStateStore {
  private readonly writes = new Map<string, Promise<void>>();
  private dirReady = false;

  constructor(readonly dir: string) {}

  fileFor(key: string): string {
    assertChannelStateKey(key);
    return path.join(this.dir, `${key}.json`);
  }

  async get(key: string): Promise<unknown> {
    const file = this.fileFor(key);
    await this.writes.get(key)?.catch(() => undefined); // read what was set before, even if not awaited
    let text: string;
    try {
      text = await fs.promises.readFile(file, "utf8");
    } catch (err: any) {
      if (err?.code === "ENOENT") return undefined;
      throw new ChannelStateError(file, err?.code ?? err?.message ?? String(err));
    }
    try {
      return JSON.parse(text);
    } catch (err: any) {
      throw new ChannelStateError(file, `invalid JSON: ${err?.message ?? err}`);
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    const file = this.fileFor(key);
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`channel state ${key}: the value cannot be stored as JSON`);
    // chained before the first await, so writes queue in call order
    return this.chain(key, async () => {
      this.ensureDir();
      await writeFileAtomic(file, `${text}\n`, 0o600);
    });
  }

  async delete(key: string): Promise<void> {
    const file = this.fileFor(key);
    return this.chain(key, () => fs.promises.rm(file, { force: true }));
  }

  private chain(key: string, write: () => Promise<void>): Promise<void> {
    const run = (this.writes.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.writes.set(key, run);
    const forget = () => {
      if (this.writes.get(key) === run) this.writes.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  private ensureDir(): void {
    if (this.dirReady) return;
    ensurePrivateDir(this.dir);
    this.dirReady = true;
  }
}
