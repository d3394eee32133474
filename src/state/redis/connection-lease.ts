import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { ConnectionLease, ConnectionLeaseEvents } from "../leases.js";
import { LeaseKeeper, RedisLease } from "./lease.js";

/**
 * The lease on one channel connection: `lease:channel:<channelId>:<hash of its identity>`. The
 * identity (e.g. a bot token) never reaches Redis, only its hash.
 */
export class RedisConnectionLease implements ConnectionLease {
  private keeper: LeaseKeeper | undefined;
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    channelId: string,
    identity: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {
    this.key = `lease:channel:${channelId}:${createHash("sha256").update(identity).digest("hex").slice(0, 24)}`;
  }

  start(events: ConnectionLeaseEvents): void {
    this.keeper = new LeaseKeeper(new RedisLease(this.redis, this.key, this.owner, this.ttlMs), {
      acquired: () => events.acquired(),
      lost: (reason) => events.lost(reason),
      standby: () => events.standby?.(),
      error: (err) => events.error?.(err),
    });
    this.keeper.start();
  }

  async stop(): Promise<void> {
    await this.keeper?.stop();
  }
}
