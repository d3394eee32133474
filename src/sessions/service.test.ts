import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FileSessionStore } from "../state/file/session-store.js";
import { answeredReply, MAX_PREVIEWS, previewOf, SessionService, type SessionModelChange } from "./service.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "baton-session-service-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const DEFAULT_MODEL = "anthropic/claude-opus-4-5";
const usage = { inputTokens: 10, outputTokens: 3, cacheReadTokens: 2, cacheWriteTokens: 1 };

function service(history = { maxMessages: 40, maxTokens: 24_000 }) {
  return new SessionService(new FileSessionStore(path.join(root, String(++dirs))), { defaultModel: DEFAULT_MODEL, history });
}

describe("SessionService", () => {
  it("model choice: the session's, else the parent's (threads, topics), else the agent default", async () => {
    const sessions = service();
    expect(await sessions.effectiveModel("discord:channel:thread", "discord:channel:parent")).toEqual({ ref: DEFAULT_MODEL, source: "agent" });
    await sessions.setModel("discord:channel:parent", { model: "anthropic/claude-haiku-4-5", pin: null });
    expect(await sessions.effectiveModel("discord:channel:thread", "discord:channel:parent")).toEqual({ ref: "anthropic/claude-haiku-4-5", source: "parent" });
    await sessions.setModel("discord:channel:thread", { model: "anthropic/claude-sonnet-4-5", pin: null });
    expect(await sessions.effectiveModel("discord:channel:thread", "discord:channel:parent")).toEqual({ ref: "anthropic/claude-sonnet-4-5", source: "session" });
  });

  it("lifting a pin keeps the model; /reset keeps both; /reset all clears both, as /model default does", async () => {
    const sessions = service();
    const pinned = await sessions.setModel("s", { model: "anthropic/claude-haiku-4-5", pin: { profileId: "anthropic:work", by: "telegram:1" } });
    expect(pinned).toMatchObject({ modelOverride: "anthropic/claude-haiku-4-5", pinnedProfileId: "anthropic:work", pinnedBy: "telegram:1" });
    await sessions.recordTurn("s", { text: "hi", reply: "hello", usage, at: 1 });
    await sessions.reset("s", { all: false });
    expect(await sessions.get("s")).toMatchObject({ history: [], modelOverride: "anthropic/claude-haiku-4-5", pinnedProfileId: "anthropic:work", usage: { turns: 1 } });
    await sessions.setModel("s", { pin: null });
    const lifted = await sessions.get("s");
    expect(lifted.modelOverride).toBe("anthropic/claude-haiku-4-5");
    expect(lifted).not.toHaveProperty("pinnedProfileId");
    expect(lifted).not.toHaveProperty("pinnedBy");
    await sessions.setModel("s", { model: "anthropic/claude-haiku-4-5", pin: { profileId: "anthropic:work", by: "telegram:1" } });
    await sessions.reset("s", { all: true });
    const viaReset = await sessions.get("s");
    await sessions.setModel("t", { model: "anthropic/claude-haiku-4-5", pin: { profileId: "anthropic:work", by: "telegram:1" } });
    const viaDefault = await sessions.setModel("t", { model: null, pin: null });
    for (const session of [viaReset, viaDefault]) {
      expect(session).not.toHaveProperty("modelOverride");
      expect(session).not.toHaveProperty("pinnedProfileId");
      expect(session).not.toHaveProperty("pinnedBy");
    }
  });

  it("remembers a reply's preview until its first part is delivered, the newest few only", async () => {
    const sessions = service();
    await sessions.notePreview("s", "m1", "p1");
    expect(previewOf(await sessions.get("s"), "m1")).toBe("p1");
    await sessions.notePreview("s", "m1", "p2");
    expect(previewOf(await sessions.get("s"), "m1")).toBe("p2");
    await sessions.markDelivered("s", "m1", 0);
    expect(previewOf(await sessions.get("s"), "m1")).toBe("p2");
    await sessions.markDelivered("s", "m1", 1);
    expect(previewOf(await sessions.get("s"), "m1")).toBeUndefined();
    for (let i = 0; i < MAX_PREVIEWS + 5; i++) await sessions.notePreview("s", `n${i}`, `q${i}`);
    const session = await sessions.get("s");
    expect(session.previews).toHaveLength(MAX_PREVIEWS);
    expect(previewOf(session, "n0")).toBeUndefined();
    expect(previewOf(session, `n${MAX_PREVIEWS + 4}`)).toBe(`q${MAX_PREVIEWS + 4}`);
  });

  it("records an answered turn with its platform message, then how many reply parts were delivered", async () => {
    const sessions = service();
    await sessions.recordTurn("s", { text: "question", messageId: "m1", reply: "answer", usage, at: 5 });
    const stored = await sessions.get("s");
    expect(stored.history).toEqual([
      { role: "user", content: "question", ts: 5, messageId: "m1" },
      { role: "assistant", content: "answer", ts: 5, delivered: 0 },
    ]);
    expect(stored.usage).toEqual({ ...usage, turns: 1 });
    await sessions.markDelivered("s", "m1", 3);
    await sessions.markDelivered("s", "unknown", 9);
    expect(answeredReply((await sessions.get("s")).history, "m1")).toMatchObject({ content: "answer", delivered: 3 });
    expect(answeredReply((await sessions.get("s")).history, "unknown")).toBeUndefined();
  });

  type Op =
    | { kind: "turn"; text: string }
    | { kind: "model"; change: SessionModelChange }
    | { kind: "reset"; all: boolean }
    | { kind: "delivered"; pick: number; parts: number };
  const model = fc.constantFrom(null, undefined, "anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-5");
  const pin = fc.option(fc.record({ profileId: fc.constantFrom("anthropic:a", "anthropic:b"), by: fc.constantFrom("telegram:1", "discord:2") }), { nil: null });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("turn" as const), text: fc.string({ maxLength: 30 }) }),
    fc.record({ kind: fc.constant("model" as const), change: fc.record({ model, pin }) }),
    fc.record({ kind: fc.constant("reset" as const), all: fc.boolean() }),
    fc.record({ kind: fc.constant("delivered" as const), pick: fc.nat(20), parts: fc.nat(12) }),
  );

  it("whatever happens, only model changes and /reset all move the model and pin; the history stays a bounded alternation that remembers deliveries", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 7 }), fc.integer({ min: 1, max: 6 }), async (ops, maxMessages) => {
        const sessions = service({ maxMessages, maxTokens: 24_000 });
        let expected: { model?: string; pin?: { profileId: string; by: string } } = {};
        let turns = 0;
        const asked: string[] = [];
        const delivered = new Map<string, number>();
        let newest: string | undefined;
        for (const o of ops) {
          if (o.kind === "turn") {
            const messageId = `m${turns}`;
            await sessions.recordTurn("s", { text: o.text, messageId, reply: `re: ${o.text}`, usage, at: turns });
            turns++;
            asked.push(messageId);
            newest = messageId;
          } else if (o.kind === "model") {
            await sessions.setModel("s", o.change);
            expected = { model: o.change.model === undefined ? expected.model : (o.change.model ?? undefined), pin: o.change.pin ?? undefined };
          } else if (o.kind === "reset") {
            await sessions.reset("s", { all: o.all });
            newest = undefined;
            if (o.all) expected = {};
          } else if (asked.length) {
            const messageId = asked[o.pick % asked.length];
            await sessions.markDelivered("s", messageId, o.parts);
            delivered.set(messageId, o.parts);
          }
        }
        const session = await sessions.get("s");
        expect(session.modelOverride).toBe(expected.model);
        expect(session.pinnedProfileId).toBe(expected.pin?.profileId);
        expect(session.pinnedBy).toBe(expected.pin?.by);
        expect(session.usage.turns).toBe(turns);
        expect(session.history.length).toBeLessThanOrEqual(maxMessages);
        if (newest && maxMessages >= 2) expect(session.history.at(-2)?.messageId).toBe(newest);
        session.history.forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? "user" : "assistant"));
        for (const [i, m] of session.history.entries()) {
          if (m.role !== "user") continue;
          const reply = answeredReply(session.history, m.messageId!);
          expect(reply).toBe(session.history[i + 1]);
          expect(reply?.delivered).toBe(delivered.get(m.messageId!) ?? 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
