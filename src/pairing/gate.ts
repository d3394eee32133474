import { randomBytes } from "node:crypto";
import { generateCode, isApproved, peekRequest, requestPairing, type RequestOutcome } from "./requests.js";
import { pairingFile, readPairingCached, updatePairing } from "./store.js";

export interface PairingGateOptions {
  now?: () => number;
  randomBytes?: (size: number) => Uint8Array;
}

/**
 * The gateway's side of pairing: is this DM sender approved, and if not, which code do they
 * get. Reads go through the stat-cached file (so `baton pairing approve` takes effect on the
 * next message, no restart); the lock is taken only to issue a new code.
 */
export class PairingGate {
  private readonly now: () => number;
  private readonly randomBytes: (size: number) => Uint8Array;

  constructor(
    private readonly stateDir: string,
    options: PairingGateOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.randomBytes = options.randomBytes ?? randomBytes;
  }

  /** Throws `PairingStoreError` when the file is corrupt (callers fail closed). */
  async isApproved(channel: string, userId: string): Promise<boolean> {
    return isApproved(await readPairingCached(pairingFile(this.stateDir, channel)), userId);
  }

  /** The code for a stranger: their existing one, a new one, or "full" (at most 3 pending per channel). */
  async request(channel: string, sender: { userId: string; name?: string }): Promise<RequestOutcome> {
    const file = pairingFile(this.stateDir, channel);
    const known = peekRequest(await readPairingCached(file), sender.userId, this.now());
    if (known) return known;
    return updatePairing(file, (data) => requestPairing(data, sender, this.now(), () => generateCode(this.randomBytes)));
  }
}
