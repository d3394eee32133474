/**
 * A bounded memory of recently seen ids (messages, interactions), so an event the gateway
 * replays after a RESUME is not dispatched twice. Oldest ids are forgotten first.
 */
export class RecentIds {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity = 4096) {}

  /** Records `id`; returns true when it was already seen. */
  seen(id: string): boolean {
    if (this.#ids.has(id)) return true;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next().value as string;
      this.#ids.delete(oldest);
    }
    return false;
  }
}
