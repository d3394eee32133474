/**
 * A channel plugin's own small records: a polling offset, a journal of updates not yet
 * answered, the hash of the command menu last sent. Values are JSON; each `set` replaces the
 * whole value atomically (a crash leaves the old or the new value, never half of one).
 */
export interface ChannelStateStore {
  /**
   * The stored value, or undefined when none is stored. Rejects with {@link ChannelStateError}
   * when a stored value cannot be read: it is never treated as missing.
   */
  get(key: string): Promise<unknown>;
  /** Stores `value` (anything `JSON.stringify` keeps) durably; writes of one key land in call order. */
  set(key: string, value: unknown): Promise<void>;
  /** Removes the value; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Moves an unreadable value out of the way, kept for a human to look at, and returns where it
   * went; `get` then finds nothing. Rejects when it cannot be moved (nothing is overwritten then).
   */
  setAside(key: string): Promise<string>;
}

/** Keys are short names: letters, digits, `.`, `_`, `-` (they become file names in the file backend). */
export const CHANNEL_STATE_KEY = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** A key outside {@link CHANNEL_STATE_KEY} is a programming error: the call rejects with a TypeError before anything is touched. */
export function assertChannelStateKey(key: string): void {
  if (!CHANNEL_STATE_KEY.test(key)) throw new TypeError(`invalid channel state key ${JSON.stringify(key)} (letters, digits, . _ -; at most 64)`);
}

/** A stored value that cannot be read; it is left as it is. */
export class ChannelStateError extends Error {
  constructor(
    readonly location: string,
    reason: string,
  ) {
    super(`Channel state ${location} is unreadable (${reason}); it was left untouched.`);
    this.name = "ChannelStateError";
  }
}
