/**
 * A set that remembers at most `capacity` values, forgetting the oldest first: for "recently
 * seen" ids (replayed events, messages already dispatched, groups already warned about).
 *
 * @example
 * const recent = new BoundedSet<string>(2);
 * recent.addNew("a"); // true: first time
 * recent.addNew("a"); // false: seen before
 * recent.add("b"); recent.add("c"); // "a" is forgotten
 * recent.has("a"); // false
 */
export class BoundedSet<T> {
  readonly #values = new Set<T>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`BoundedSet capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#values.size;
  }

  has(value: T): boolean {
    return this.#values.has(value);
  }

  /** Remembers `value` (as the newest, if it was already there), forgetting the oldest past the capacity. */
  add(value: T): this {
    this.#values.delete(value);
    this.#values.add(value);
    if (this.#values.size > this.capacity) this.#values.delete(this.#values.values().next().value as T);
    return this;
  }

  /** Adds `value` when it is new and says so: true the first time, false when it was remembered already. */
  addNew(value: T): boolean {
    if (this.#values.has(value)) return false;
    this.add(value);
    return true;
  }

  delete(value: T): boolean {
    return this.#values.delete(value);
  }

  clear(): void {
    this.#values.clear();
  }
}
