/**
 * One gateway of several holds a channel connection at a time (DESIGN.md §13): the others
 * stand by and take over when the holder's lease expires. Backends that serve one process only
 * (the file backend) have no leases: that process always holds every connection.
 */
export interface ConnectionLeaseEvents {
  /** This process holds the connection now: connect. */
  acquired(): void;
  /** The connection is no longer certainly ours: disconnect at once. */
  lost(reason: string): void;
  /** An attempt found another holder (this process stands by). */
  standby?(): void;
  /** The backend failed while trying; the lease keeps trying. */
  error?(err: unknown): void;
}

export interface ConnectionLease {
  /** Starts trying to hold the connection, and renewing it while held. */
  start(events: ConnectionLeaseEvents): void;
  /** Stops trying; a held lease is released so a standby takes over at once. */
  stop(): Promise<void>;
}
