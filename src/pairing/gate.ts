import { randomBytes } from "node:crypto";
import { generateCode, isApproved, peekRequest, requestPairing, type RequestOutcome } from "./requests.js";
import type { PairingRepository } from "../state/pairing.js";
import { filePairing } from "./store.js";

export interface PairingGateOptions {
  now?: () => number;
  randomBytes?: (size: number) => Uint8Array;
}

/**
 * The gateway's side of pairing: is this DM sender approved, and if not, which code do they
 * get. Every check reads the state backend's current data (the file backend's read is
 * stat-cached), so `baton pairing approve` takes effect on the next message, no restart; a
 * write happens only to issue a new code.
 */
export class PairingGate {
  private readonly now: () => number;
  private readonly randomBytes: (size: number) => Uint8Array;
  private readonly repository: (channel: string) => PairingRepository;
  /** `source`: the state backend's pairing of a channel, or a state dir (the file backend). */
  constructor(source: string | ((channel: string) => PairingRepository), options: PairingGateOptions = {}) {
    this.repository = typeof source === "string" ? (channel) => filePairing(source, channel) : source;
    this.now = options.now ?? Date.now;
    this.randomBytes = options.randomBytes ?? randomBytes;
  }

  /** Throws `PairingStoreError` when the file is corrupt (callers fail closed). */
  async isApproved(channel: string, userId: string): Promise<boolean> {
    return isApproved(await this.repository(channel).read(), userId);
  }

  /** The code for a stranger: their existing one, a new one, or "full" (at most 3 pending per channel). */
  async request(channel: string, sender: { userId: string; name?: string }): Promise<RequestOutcome> {
    const repository = this.repository(channel);
    const known = peekRequest(await repository.read(), sender.userId, this.now());
    if (known) return known;
    return repository.update((data) => requestPairing(data, sender, this.now(), () => generateCode(this.randomBytes)));
  }
}
