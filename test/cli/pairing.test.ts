import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PairingGate } from "../../src/pairing/gate.js";
import { CODE_TTL_MS } from "../../src/pairing/requests.js";
import { readPairing } from "../../src/pairing/store.js";
import { type CliHome, fileMode, freshHomeForEachTest, json, runBaton, writeJson } from "./helpers.js";

/**
 * `baton pairing list|approve|revoke` as a user runs it (the built bin/baton), against pairing
 * files written the way the gateway writes them (the same PairingGate the router uses).
 */

let home: CliHome;
freshHomeForEachTest((h) => (home = h));

const file = (channel = "telegram") => path.join(home.stateDir, "pairing", `${channel}.json`);
const gate = () => new PairingGate(home.stateDir);

async function issue(userId: string, name?: string, channel = "telegram"): Promise<string> {
  const outcome = await gate().request(channel, { userId, name });
  if (outcome.kind !== "issued" && outcome.kind !== "existing") throw new Error(`no code for ${userId}: ${outcome.kind}`);
  return outcome.code;
}

describe("baton pairing", () => {
  it("approve lets the code's sender in; list shows pending and approved; revoke takes it back", async () => {
    const code = await issue("5000002", "Bob");
    await issue("5000003", "Carol");

    const before = json(await runBaton(home, ["pairing", "list", "--json"]));
    expect(before.channels).toHaveLength(1);
    expect(before.channels[0]).toMatchObject({ channel: "telegram", file: file(), approved: [] });
    expect(before.channels[0].pending.map((p: any) => [p.userId, p.name])).toEqual([
      ["5000002", "Bob"],
      ["5000003", "Carol"],
    ]);

    const approved = await runBaton(home, ["pairing", "approve", "telegram", code.toLowerCase()]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toBe("Approved telegram user 5000002 (Bob): the bot answers their DMs from their next message (no restart needed).\n");
    expect(await gate().isApproved("telegram", "5000002")).toBe(true);
    expect(fileMode(file())).toBe(0o600);
    expect(fileMode(path.dirname(file()))).toBe(0o700);

    const text = await runBaton(home, ["pairing", "list"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/telegram\s+\S+telegram\.json/);
    expect(text.stdout).toMatch(/pending:\n\s+CODE\s+USER\s+NAME\s+EXPIRES IN\n\s+[A-Z2-9]{8}\s+5000003\s+Carol\s+(59m|1h)/);
    expect(text.stdout).toMatch(/approved:\n\s+USER\s+NAME\s+APPROVED\n\s+5000002\s+Bob\s+\d{4}-/);

    const again = await runBaton(home, ["pairing", "approve", "telegram", code]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Code ${code} on telegram is not pending`);

    const revoked = await runBaton(home, ["pairing", "revoke", "telegram", "5000002"]);
    expect(revoked.code).toBe(0);
    expect(await gate().isApproved("telegram", "5000002")).toBe(false);
    const twice = await runBaton(home, ["pairing", "revoke", "telegram", "5000002"]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("telegram user 5000002 has no approved pairing");
  });

  it("a wrong or expired code is a clear error (exit 1) and changes nothing", async () => {
    const createdAt = Date.now() - CODE_TTL_MS - 1_000;
    const stored = { version: 1, pending: [{ code: "OLDCODE2", userId: "9", createdAt, expiresAt: createdAt + CODE_TTL_MS }], approved: [] };
    writeJson(file(), stored);
    const expired = await runBaton(home, ["pairing", "approve", "telegram", "OLDCODE2"]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain("Code OLDCODE2 on telegram has expired (codes are valid for 1 hour)");
    expect((await readPairing(file())).approved).toEqual([]);

    const wrong = await runBaton(home, ["pairing", "approve", "discord", "NOPE2345"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Code NOPE2345 on discord is not pending");

    // expired requests are not listed
    expect(json(await runBaton(home, ["pairing", "list", "--channel", "telegram", "--json"])).channels[0].pending).toEqual([]);
  });

  it("usage errors exit 2", async () => {
    const badChannel = await runBaton(home, ["pairing", "approve", "../etc", "ABCD2345"]);
    expect(badChannel.code).toBe(2);
    expect(badChannel.stderr).toContain('"../etc" is not a channel id');
    expect((await runBaton(home, ["pairing", "approve", "telegram"])).code).toBe(2);
    expect(fs.existsSync(path.join(home.stateDir, "etc.json"))).toBe(false);
  });

  it("a corrupt pairing file is reported with its path (exit 1) and left untouched", async () => {
    fs.mkdirSync(path.dirname(file()), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file(), '{"version": 1, "approved": [', { mode: 0o600 });
    await issue("7", undefined, "discord");
    for (const args of [
      ["pairing", "approve", "telegram", "ABCD2345"],
      ["pairing", "revoke", "telegram", "7"],
      ["pairing", "list"],
    ]) {
      const result = await runBaton(home, args);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toContain(`Cannot use the pairing file ${file()}: invalid JSON`);
    }
    // the healthy channel is still listed
    expect((await runBaton(home, ["pairing", "list"])).stdout).toContain("discord");
    expect(fs.readFileSync(file(), "utf8")).toBe('{"version": 1, "approved": [');
  });

  it("approvals from concurrent CLI runs and the gateway's new requests at the same time lose nothing", async () => {
    const codes = [await issue("u1"), await issue("u2"), await issue("u3")];
    const g = gate();
    // the gateway side: strangers keep asking; each approval frees a slot that the next stranger takes (a write
    // racing the CLI's), and the approved senders are polled as every DM would
    let stop = false;
    const issued: string[] = [];
    const gatewaySide = (async () => {
      while (!stop && issued.length < 3) {
        const outcome = await g.request("telegram", { userId: `late${issued.length}` });
        if (outcome.kind === "issued") issued.push(outcome.code);
        await Promise.all(["u1", "u2", "u3"].map((u) => g.isApproved("telegram", u)));
      }
    })();
    const results = await Promise.all(codes.map((code) => runBaton(home, ["pairing", "approve", "telegram", code])));
    await Promise.race([gatewaySide, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    stop = true;
    await gatewaySide;
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const data = await readPairing(file());
    expect(data.approved.map((a) => a.userId).sort()).toEqual(["u1", "u2", "u3"]);
    expect(issued).toHaveLength(3);
    expect(data.pending.map((p) => [p.userId, p.code])).toEqual(issued.map((code, i) => [`late${i}`, code]));
    for (const u of ["u1", "u2", "u3"]) expect(await g.isApproved("telegram", u)).toBe(true);
  });
});
