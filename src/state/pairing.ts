import type { PairingData } from "../pairing/requests.js";

/**
 * DM pairing of one channel (DESIGN.md §8): pending requests (at most 3 live) and approved
 * senders. The gateway's `PairingGate` reads it on DMs from unknown senders and adds requests;
 * `baton pairing` approves and revokes. The rules are the pure functions of
 * `src/pairing/requests.ts`; a backend only applies a change atomically.
 */
export interface PairingRepository {
  /** Where the data lives, for messages and `baton pairing list`: a file path or a Redis key. */
  readonly location: string;
  /**
   * The requests and approvals as stored now (an approval by another process is seen at once).
   * Callers must not mutate the result. Throws `PairingStoreError` when the stored data is unreadable.
   */
  read(): Promise<PairingData>;
  /**
   * Read-modify-write with no other write in between: `mutate` edits fresh data in place, which
   * is stored only when it changed. A backend may run `mutate` again on newer data after a
   * conflicting write, so it must not act outside the data. Unreadable data throws before `mutate` runs.
   */
  update<T>(mutate: (data: PairingData) => T): Promise<T>;
}
