/** A small least-recently-used map of SDK clients, one per credential. */
import { createHash } from "node:crypto";
import type { ResolvedCredential } from "../../auth/types.js";

/** Keyed by a hash of kind and secret, so the map never holds a secret as a key. */
export function credentialKey(credential: Pick<ResolvedCredential, "kind" | "secret">): string {
  return createHash("sha256").update(`${credential.kind}\0${credential.secret}`).digest("hex");
}

export class ClientCache<Client> {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly create: (credential: ResolvedCredential) => Client,
    private readonly capacity = 16,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  get(credential: ResolvedCredential): Client {
    const key = credentialKey(credential);
    let client = this.clients.get(key);
    if (client === undefined) {
      client = this.create(credential);
    } else {
      this.clients.delete(key);
    }
    this.clients.set(key, client);
    while (this.clients.size > this.capacity) {
      const oldest = this.clients.keys().next().value as string;
      this.clients.delete(oldest);
    }
    return client;
  }
}
