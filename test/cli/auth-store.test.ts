import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { assertBuilt, DIST, makeHome, type CliHome } from "./helpers.js";

/**
 * The store under process death: a writer looping `updateAuthStore` is killed with SIGKILL at an
 * arbitrary point (mid-write, mid-rename or holding the lock). The store must still parse, and
 * the next writer must get past the dead writer's lock.
 */

let home: CliHome;
const writers: ChildProcess[] = [];
beforeAll(assertBuilt);
beforeEach(() => {
  home = makeHome();
});
afterEach(() => {
  for (const writer of writers.splice(0)) if (writer.exitCode === null && writer.signalCode === null) writer.kill("SIGKILL");
  home.cleanup();
});

const WRITER = `
const { updateAuthStore } = await import(process.argv[1]);
const file = process.argv[2];
const filler = "x".repeat(400);
for (let i = 0; ; i++) {
  await updateAuthStore(file, (store) => {
    // rewrite every profile each round so each write is large (~100 KB) and slow to land
    for (let p = 0; p < 200; p++) store.profiles["anthropic:p" + p] = { type: "api_key", provider: "anthropic", key: "sk-ant-api03-" + i + "-" + filler };
    store.order.anthropic = ["anthropic:p" + (i % 200)];
  });
  process.stdout.write(i + "\\n");
}
`;

function startWriter(file: string): { child: ChildProcess; writes: () => number; waitForWrites: (n: number) => Promise<void> } {
  const child = spawn(process.execPath, ["--input-type=module", "-e", WRITER, path.join(DIST, "src", "auth", "store.js"), file], { stdio: ["ignore", "pipe", "pipe"] });
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    count += chunk.toString().split("\n").filter(Boolean).length;
    for (const w of waiters) if (count >= w.n) w.resolve();
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) => child.on("exit", (code, signal) => reject(new Error(`writer exited (${code ?? signal}): ${stderr}`))));
  return {
    child,
    writes: () => count,
    waitForWrites: (n) => Promise.race([new Promise<void>((resolve) => (count >= n ? resolve() : waiters.push({ n, resolve }))), exited]),
  };
}

describe("auth store under SIGKILL", () => {
  it("a writer killed at arbitrary points leaves a store that parses, and the next writer gets past its lock", async () => {
    const { readAuthStore, updateAuthStore } = await import(path.join(DIST, "src", "auth", "store.js"));
    // Kill at a few different offsets into a round: reading, writing, renaming, releasing. Each
    // writer has a store of its own, so the next writers' waits for a stale lock (5 s) overlap.
    const killAt = async (delayMs: number): Promise<string[]> => {
      const file = home.storePath(`killed-after-${delayMs}ms`);
      const running = startWriter(file);
      writers.push(running.child);
      await running.waitForWrites(running.writes() + 8);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const died = new Promise((resolve) => running.child.on("exit", resolve));
      running.child.kill("SIGKILL");
      await died;
      const leftovers = fs.readdirSync(path.dirname(file)).filter((name) => name !== "auth-profiles.json");

      const store = await readAuthStore(file);
      expect(Object.keys(store.profiles)).toHaveLength(200);
      const rounds = new Set(Object.values(store.profiles).map((p: any) => /^sk-ant-api03-(\d+)-/.exec(p.key)![1]));
      expect(rounds.size).toBe(1); // one whole round, never a mix
      expect(Number([...rounds][0])).toBeGreaterThanOrEqual(running.writes() - 1);

      await updateAuthStore(file, (s: any) => void (s.order.anthropic = [`anthropic:p${delayMs}`]));
      expect((await readAuthStore(file)).order.anthropic).toEqual([`anthropic:p${delayMs}`]);
      return leftovers;
    };
    const leftovers = (await Promise.all([0, 2, 5, 9].map(killAt))).flat();
    // what the kills left behind (a lock dir, a temp file) never hurt the next writer; report it for the record
    console.log(`left behind by killed writers: ${leftovers.join(", ") || "nothing"}`);
  }, 120_000);
});
