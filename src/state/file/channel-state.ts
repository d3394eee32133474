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
  private readonly swept = new Set<string>();

  constructor(readonly dir: string) {}

  fileFor(key: string): string {
    assertChannelStateKey(key);
    return path.join(this.dir, `${key}.json`);
  }

  async get(key: string): Promise<unknown> {
    const file = this.fileFor(key);
    await this.writes.get(key)?.catch(() => undefined); // read what was set before, even if not awaited
    await this.sweep(key);
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

  /** Renames `<key>.json` to `<key>.json.corrupt-<ms>` next to it. */
  async setAside(key: string): Promise<string> {
    const file = this.fileFor(key);
    const target = `${file}.corrupt-${Date.now()}`;
    await this.chain(key, () => fs.promises.rename(file, target));
    return target;
  }

  private chain(key: string, write: () => Promise<void>): Promise<void> {
    const run = (this.writes.get(key) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.sweep(key))
      .then(write);
    this.writes.set(key, run);
    const forget = () => {
      if (this.writes.get(key) === run) this.writes.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  /**
   * Once per key: deletes the temp files a killed process left from its writes of this key
   * (`.<key>.json.<pid>.<n>.tmp`, see writeFileAtomic); this process's own are left alone.
   */
  private async sweep(key: string): Promise<void> {
    if (this.swept.has(key)) return;
    this.swept.add(key);
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return;
    }
    // `<key>.json.<pid>.<random>.tmp`: how the Telegram plugin named its temp files before this store
    const prefixes = [`.${key}.json.`, `${key}.json.`];
    const leftovers = names.filter(
      (name) => name.endsWith(".tmp") && prefixes.some((prefix) => name.startsWith(prefix)) && !name.startsWith(`.${key}.json.${process.pid}.`),
    );
    await Promise.all(leftovers.map((name) => fs.promises.rm(path.join(this.dir, name), { force: true }).catch(() => undefined)));
  }

  private ensureDir(): void {
    if (this.dirReady) return;
    ensurePrivateDir(this.dir);
    this.dirReady = true;
  }
}
