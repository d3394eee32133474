import type * as z from "zod/mini";

/** Unwraps optional/default/pipe/nullable wrappers and returns the object schemas a value at `path` may be. */
function objectsAt(schema: z.ZodMiniType, path: readonly (string | number)[]): any[] {
  const def = (schema as any)._zod.def;
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
    case "prefault":
    case "catch":
    case "readonly":
      return objectsAt(def.innerType, path);
    case "pipe":
      return objectsAt(def.in, path);
    case "union":
      return def.options.flatMap((option: z.ZodMiniType) => objectsAt(option, path));
    case "array":
      return path.length ? objectsAt(def.element, path.slice(1)) : [];
    case "record":
      return path.length ? objectsAt(def.valueType, path.slice(1)) : [];
    case "object": {
      if (!path.length) return [def];
      const child = def.shape[String(path[0])] ?? def.catchall;
      return child ? objectsAt(child, path.slice(1)) : [];
    }
    default:
      return [];
  }
}

/** Keys the schema knows for the object at `path` (for "did you mean"). */
export function knownKeysAt(schema: z.ZodMiniType, path: readonly (string | number)[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((def) => Object.keys(def.shape)))];
}

/** Edit distance counting insertions, deletions, substitutions and adjacent swaps ("opsu" -> "opus" is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate within a small edit distance (case-insensitive), if any. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}
