/**
 * The only places the plugin reaches into discord.js internals, each to contain a fault a
 * peer can set off. Each degrades to doing nothing if the internals change shape.
 */
import type { Client } from "discord.js";

interface ShardLike {
  internalConnect?: () => Promise<void>;
  destroy?: (options?: unknown) => Promise<void>;
}

/**
 * The gateway shards of a client, read from discord.js internals (`client.ws._ws.strategy.shards`);
 * empty if those change shape, and then {@link destroyForGood} is a plain `destroy()`.
 */
function gatewayShards(client: Client): ShardLike[] {
  try {
    const internal = client.ws as unknown as { _ws?: { strategy?: { shards?: Map<number, ShardLike> } } };
    return [...(internal._ws?.strategy?.shards?.values() ?? [])];
  } catch {
    return [];
  }
}

/**
 * Destroys the client so that it stays destroyed. Works around two faults of @discordjs/ws 1.2
 * that a gateway which refuses connections or never says HELLO brings out:
 * - a shard destroyed while it pauses before reconnecting connects again anyway, and from then
 *   on retries for good though its client is gone (every failed start would leave one behind);
 * - destroying a shard that waits for HELLO makes that wait destroy it a second time, with
 *   reconnect, and the first destroy never resolves.
 * So each shard's reconnect becomes a no-op and its first destroy the only one, before
 * `client.destroy()` runs.
 */
export async function destroyForGood(client: Client): Promise<void> {
  for (const shard of gatewayShards(client)) {
    if (typeof shard.internalConnect === "function") shard.internalConnect = async () => {};
    const destroy = shard.destroy;
    if (typeof destroy === "function") {
      let first: Promise<void> | undefined;
      shard.destroy = (options) => (first ??= destroy.call(shard, options));
    }
  }
  await client.destroy();
}

/**
 * Contains throws of discord.js's own gateway packet handlers. A malformed dispatch (a
 * MESSAGE_CREATE of `null`, `mentions: "x"`, an INTERACTION_CREATE without `data`, a dispatch
 * named "error") makes them throw inside the shard's message loop, which ends as an unhandled
 * rejection. Here the packet is dropped and `onError` told, with the event name.
 */
export function containPacketErrors(client: Client, onError: (error: unknown, event: string) => void): void {
  type Packet = { t?: unknown } | undefined;
  const manager = client.ws as unknown as {
    on(event: "error", listener: (error: unknown) => void): unknown;
    handlePacket?: (this: unknown, packet?: Packet, shard?: unknown) => boolean;
  };
  // The manager emits each dispatch under its own name first; one named "error" must find a listener.
  manager.on("error", (error: unknown) => onError(error, "error"));
  const handlePacket = manager.handlePacket;
  if (typeof handlePacket !== "function") return;
  manager.handlePacket = function (this: unknown, packet?: Packet, shard?: unknown) {
    try {
      return handlePacket.call(this, packet, shard);
    } catch (error) {
      onError(error, typeof packet?.t === "string" ? packet.t : "unknown");
      return true;
    }
  };
}
