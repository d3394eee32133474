import { describe, expect, it } from "vitest";
import { SessionQueue } from "./session-queue.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("SessionQueue", () => {
  it("runs one job at a time per session, in order, and sessions in parallel up to the concurrency", async () => {
    const queue = new SessionQueue({ concurrency: 3, maxPending: 10 });
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const perSession = new Map<string, number>();
    const job = (session: string, n: number) => ({
      async run() {
        running++;
        perSession.set(session, (perSession.get(session) ?? 0) + 1);
        peak = Math.max(peak, running);
        expect(perSession.get(session)).toBe(1);
        await tick();
        order.push(`${session}:${n}`);
        perSession.set(session, perSession.get(session)! - 1);
        running--;
        return "done" as const;
      },
    });
    const results = [];
    for (let n = 0; n < 4; n++) for (const session of ["a", "b", "c", "d", "e"]) results.push(queue.enqueue(session, job(session, n)));
    await Promise.all(results.map((r) => (r.accepted ? r.done : undefined)));
    expect(peak).toBe(3);
    for (const session of ["a", "b", "c", "d", "e"]) expect(order.filter((o) => o.startsWith(session))).toEqual([0, 1, 2, 3].map((n) => `${session}:${n}`));
  });

  it("refuses beyond maxPending waiting jobs", () => {
    const queue = new SessionQueue({ concurrency: 1, maxPending: 2 });
    const hang = { run: () => new Promise<"done">(() => undefined) };
    expect(queue.enqueue("s", hang).accepted).toBe(true); // running
    expect(queue.enqueue("s", hang).accepted).toBe(true);
    expect(queue.enqueue("s", hang).accepted).toBe(true);
    expect(queue.enqueue("s", hang)).toEqual({ accepted: false, reason: "full" });
  });

  it("stop aborts the run and settles dropped jobs as done (a user's /stop) or abandoned (shutdown)", async () => {
    const queue = new SessionQueue({ concurrency: 2, maxPending: 5 });
    const abortable = {
      run: (signal: AbortSignal) => new Promise<"done" | "abandoned">((resolve) => signal.addEventListener("abort", () => resolve("done"))),
    };
    const first = queue.enqueue("s", abortable);
    const second = queue.enqueue("s", abortable);
    expect(queue.stop("s")).toEqual({ aborted: true, dropped: 1 });
    expect(first.accepted && (await first.done)).toBe("done");
    expect(second.accepted && (await second.done)).toBe("done");
    const third = queue.enqueue("t", abortable);
    const fourth = queue.enqueue("t", abortable);
    queue.stopAll();
    expect(fourth.accepted && (await fourth.done)).toBe("abandoned");
    expect(third.accepted && (await third.done)).toBe("done");
  });
});
