/**
 * A seeded pseudo-random generator (mulberry32) for the reliability suites: every random
 * choice (which fault, which retry-after, when to kill) replays from the seed printed by the test.
 *
 * @example
 * const random = seededRandom(42);
 * random.weighted({ ok: 8, fail: 2 }); // "ok" four times out of five
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A key of `weights`, each with probability weight / sum of weights. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** The items in a random order (a new array). */
  shuffle<T>(items: readonly T[]): T[];
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => {
      if (!items.length) throw new Error("pick from an empty list");
      return items[int(0, items.length - 1)];
    },
    weighted(weights) {
      const entries = Object.entries(weights) as [keyof typeof weights & string, number][];
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      if (!(total > 0)) throw new Error("weights must add up to more than 0");
      let roll = next() * total;
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return entries[entries.length - 1][0];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
