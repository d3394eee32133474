/**
 * State backends that hold connections (Redis) and would keep a CLI command's process alive:
 * each registers how to close itself, and the CLI closes them all when its command returns.
 * Imports nothing, so the CLI entry can use it without loading a backend.
 */
const open = new Set<() => Promise<void>>();

/** Registers `close`; returns the function that unregisters it. */
export function trackOpenBackend(close: () => Promise<void>): () => void {
  open.add(close);
  return () => open.delete(close);
}

/** Closes every open backend (errors ignored: the process is ending). */
export async function closeOpenBackends(): Promise<void> {
  const closing = [...open];
  open.clear();
  await Promise.allSettled(closing.map((close) => close()));
}
