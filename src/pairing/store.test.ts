import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PairingGate } from "./gate.js";
import { approvePairing, CODE_TTL_MS, MAX_PENDING, revokePairing, type RequestOutcome } from "./requests.js";
import { pairingChannels, pairingFile, PairingStoreError, readPairing, readPairingCached, updatePairing } from "./store.js";

let stateDir: string;
beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "baton-pairing-"));
});
afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("pairing store", () => {
  it("writes <state>/pairing/<channel>.json 0600 in a 0700 directory", async () => {
    const gate = new PairingGate(stateDir);
    const outcome = await gate.request("telegram", { userId: "7", name: "Eve" });
    expect(outcome.kind).toBe("issued");
    const file = pairingFile(stateDir, "telegram");
    expect(file).toBe(path.join(stateDir, "pairing", "telegram.json"));
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    expect((await readPairing(file)).pending).toMatchObject([{ userId: "7", name: "Eve" }]);
    expect(pairingChannels(stateDir)).toEqual(["telegram"]);
  });

  it("a missing file is empty; a channel id cannot leave the directory", async () => {
    expect(await readPairing(pairingFile(stateDir, "discord"))).toEqual({ version: 1, pending: [], approved: [] });
    expect(() => pairingFile(stateDir, "../etc")).toThrow(/invalid channel id/);
    expect(() => pairingFile(stateDir, "")).toThrow(/invalid channel id/);
  });

  it.each([
    ["not JSON", "{ approved: [", /invalid JSON/],
    ["cut short", '{"version": 1, "approved": [', /invalid JSON/],
    ["wrong shape", '{"version": 1, "approved": [{"userId": 7}]}', /unexpected shape at approved\.0\.userId/],
    ["unknown version", '{"version": 2}', /unexpected shape at version/],
  ])("a corrupt file (%s) is reported with its path and never overwritten", async (_name, text, problem) => {
    const file = pairingFile(stateDir, "telegram");
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, text, { mode: 0o600 });
    const gate = new PairingGate(stateDir);
    for (const attempt of [
      () => readPairing(file),
      () => readPairingCached(file),
      () => updatePairing(file, (data) => void data.approved.push({ userId: "1", approvedAt: 1 })),
      () => gate.request("telegram", { userId: "9" }),
      () => gate.isApproved("telegram", "9"),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(PairingStoreError);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toMatch(problem);
    }
    expect(fs.readFileSync(file, "utf8")).toBe(text);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["telegram.json"]);
  });

  it("codes expire after an hour on the gate's clock; at most 3 pending per channel", async () => {
    let now = 1_700_000_000_000;
    const gate = new PairingGate(stateDir, { now: () => now });
    const codes: RequestOutcome[] = [];
    for (let i = 0; i < MAX_PENDING; i++) codes.push(await gate.request("telegram", { userId: `u${i}` }));
    expect(codes.map((c) => c.kind)).toEqual(["issued", "issued", "issued"]);
    expect(await gate.request("telegram", { userId: "late" })).toEqual({ kind: "full" });
    // another channel has its own 3
    expect((await gate.request("discord", { userId: "late" })).kind).toBe("issued");
    expect(await gate.request("telegram", { userId: "u1" })).toEqual({ ...codes[1], kind: "existing" });
    now += CODE_TTL_MS;
    const file = pairingFile(stateDir, "telegram");
    expect(await updatePairing(file, (data) => approvePairing(data, (codes[0] as { code: string }).code, now))).toEqual({ ok: false, reason: "expired" });
    expect((await gate.request("telegram", { userId: "late" })).kind).toBe("issued");
  });

  it("the gate sees approvals and revocations written by another writer at once (no restart)", async () => {
    const gate = new PairingGate(stateDir);
    const file = pairingFile(stateDir, "telegram");
    const outcome = (await gate.request("telegram", { userId: "7" })) as { code: string };
    expect(await gate.isApproved("telegram", "7")).toBe(false);
    await updatePairing(file, (data) => approvePairing(data, outcome.code, Date.now()));
    expect(await gate.isApproved("telegram", "7")).toBe(true);
    await updatePairing(file, (data) => revokePairing(data, "7"));
    expect(await gate.isApproved("telegram", "7")).toBe(false);
    fs.rmSync(file);
    expect(await gate.isApproved("telegram", "7")).toBe(false);
  });

  it("the cached read re-parses when a same-size file replaces it", async () => {
    const file = pairingFile(stateDir, "telegram");
    await updatePairing(file, (data) => void data.approved.push({ userId: "1", approvedAt: 1 }));
    expect((await readPairingCached(file)).approved[0].userId).toBe("1");
    // same size, written in place by hand: the mtime moves on
    const text = fs.readFileSync(file, "utf8").replace('"1"', '"2"');
    const later = new Date(Date.now() + 5_000);
    fs.writeFileSync(file, text);
    fs.utimesSync(file, later, later);
    expect((await readPairingCached(file)).approved[0].userId).toBe("2");
  });

  it("concurrent read-modify-writes lose nothing", async () => {
    const file = pairingFile(stateDir, "telegram");
    await Promise.all(Array.from({ length: 40 }, (_, i) => updatePairing(file, (data) => void data.approved.push({ userId: String(i), approvedAt: i }))));
    const approved = (await readPairing(file)).approved.map((a) => Number(a.userId)).sort((a, b) => a - b);
    expect(approved).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
