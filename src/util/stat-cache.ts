import fs from "node:fs";

/**
 * Parsed files kept until they change on disk (inode, mtime or size), for stores read on every
 * message or turn while other processes may write them. Each `read` costs one `stat`; it is
 * synchronous on purpose: a few µs against ~40 µs for a round trip through libuv's thread pool.
 * Callers must not mutate what it returns.
 */
export class StatCache<T> {
  private readonly byFile = new Map<string, { ino: number; mtimeMs: number; size: number; value: T }>();

  constructor(
    /** Reads and parses the file (it exists when called). */
    private readonly load: (file: string) => Promise<T>,
    /** The value of a file that does not exist. */
    private readonly missing: () => T,
    /** The error for a file that cannot be stat'ed. */
    private readonly unreadable: (file: string, reason: string) => Error,
  ) {}

  async read(file: string): Promise<T> {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (err: any) {
      if (err?.code === "ENOENT") {
        this.byFile.delete(file);
        return this.missing();
      }
      throw this.unreadable(file, `cannot read it (${err?.code ?? err?.message ?? err})`);
    }
    const cached = this.byFile.get(file);
    if (cached && cached.ino === stat.ino && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.value;
    const value = await this.load(file);
    this.byFile.set(file, { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size, value });
    return value;
  }

  /** Drops the parsed copy (after this process wrote the file). */
  forget(file: string): void {
    this.byFile.delete(file);
  }
}
