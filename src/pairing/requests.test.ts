import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  approvePairing,
  CODE_ALPHABET,
  CODE_LENGTH,
  CODE_TTL_MS,
  cleanName,
  emptyPairing,
  generateCode,
  isApproved,
  livePending,
  MAX_PENDING,
  normalizeCode,
  requestPairing,
  revokePairing,
} from "./requests.js";

const T0 = 1_700_000_000_000;
let counter = 0;
/** Distinct, predictable codes. */
const nextCode = () => `CODE${String(++counter).padStart(4, "2")}`;

describe("pairing codes", () => {
  it("are 8 symbols of the unambiguous alphabet, whatever the random bytes", () => {
    expect(CODE_ALPHABET).not.toMatch(/[01OI]/);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        let offset = 0;
        const code = generateCode((size) => {
          const chunk = bytes.subarray(offset % 64, (offset % 64) + size);
          offset += size;
          return chunk.length === size ? chunk : randomBytes(size);
        });
        expect(code).toHaveLength(CODE_LENGTH);
        expect([...code].every((c) => CODE_ALPHABET.includes(c))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("spread over the alphabet (no symbol starved)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of generateCode(randomBytes)) seen.add(c);
    expect(seen.size).toBe(CODE_ALPHABET.length);
  });

  it("are matched case-insensitively, ignoring spaces and dashes", () => {
    expect(normalizeCode(" abcd-2345 ")).toBe("ABCD2345");
  });
});

describe("requestPairing", () => {
  it("gives a stranger a code valid for an hour, and the same code when they ask again", () => {
    const data = emptyPairing();
    const first = requestPairing(data, { userId: "7", name: "Eve" }, T0, nextCode);
    expect(first).toMatchObject({ kind: "issued", expiresAt: T0 + CODE_TTL_MS });
    const again = requestPairing(data, { userId: "7" }, T0 + 10 * 60_000, nextCode);
    expect(again).toEqual({ kind: "existing", code: (first as { code: string }).code, expiresAt: T0 + CODE_TTL_MS });
    expect(data.pending).toHaveLength(1);
    expect(data.pending[0]).toMatchObject({ userId: "7", name: "Eve", createdAt: T0 });
  });

  it("holds at most 3 pending requests per channel; an expired one frees its slot", () => {
    const data = emptyPairing();
    for (let i = 1; i <= MAX_PENDING; i++) expect(requestPairing(data, { userId: `u${i}` }, T0 + i, nextCode).kind).toBe("issued");
    expect(requestPairing(data, { userId: "late" }, T0 + 100, nextCode)).toEqual({ kind: "full" });
    // the first request (made at T0 + 1) expires; the stranger who was turned away now gets a code
    const later = T0 + 1 + CODE_TTL_MS;
    expect(requestPairing(data, { userId: "late" }, later, nextCode).kind).toBe("issued");
    expect(data.pending.map((r) => r.userId)).toEqual(["u2", "u3", "late"]);
  });

  it("a sender whose code expired gets a new one", () => {
    const data = emptyPairing();
    const first = requestPairing(data, { userId: "7" }, T0, nextCode) as { code: string };
    const second = requestPairing(data, { userId: "7" }, T0 + CODE_TTL_MS, nextCode) as { kind: string; code: string };
    expect(second.kind).toBe("issued");
    expect(second.code).not.toBe(first.code);
    expect(data.pending).toHaveLength(1);
  });

  it("never hands out a code another pending request holds", () => {
    const data = emptyPairing();
    const codes = ["SAMECODE", "SAMECODE", "OTHERONE"];
    requestPairing(data, { userId: "a" }, T0, () => "SAMECODE");
    const second = requestPairing(data, { userId: "b" }, T0, () => codes.shift()!) as { code: string };
    expect(second.code).toBe("OTHERONE");
  });

  it("an approved sender is not issued a code", () => {
    const data = { ...emptyPairing(), approved: [{ userId: "7", approvedAt: T0 }] };
    expect(requestPairing(data, { userId: "7" }, T0, nextCode)).toEqual({ kind: "approved" });
    expect(data.pending).toEqual([]);
  });

  it("keeps display names printable and short", () => {
    expect(cleanName("Eve\u001b[31m\u202e")).toBe("Eve[31m");
    expect(cleanName("x".repeat(100))).toHaveLength(64);
    expect(cleanName(" \n ")).toBeUndefined();
  });
});

describe("approvePairing and revokePairing", () => {
  it("approves a live code once: the sender is listed and the request gone", () => {
    const data = emptyPairing();
    const { code } = requestPairing(data, { userId: "7", name: "Eve" }, T0, nextCode) as { code: string };
    const outcome = approvePairing(data, code.toLowerCase(), T0 + 5_000);
    expect(outcome).toEqual({ ok: true, alreadyApproved: false, sender: { userId: "7", name: "Eve", approvedAt: T0 + 5_000 } });
    expect(isApproved(data, "7")).toBe(true);
    expect(data.pending).toEqual([]);
    expect(approvePairing(data, code, T0 + 6_000)).toEqual({ ok: false, reason: "unknown" });
  });

  it("refuses an expired code and a code never issued", () => {
    const data = emptyPairing();
    const { code } = requestPairing(data, { userId: "7" }, T0, nextCode) as { code: string };
    expect(approvePairing(data, code, T0 + CODE_TTL_MS)).toEqual({ ok: false, reason: "expired" });
    expect(isApproved(data, "7")).toBe(false);
    expect(livePending(data, T0 + CODE_TTL_MS)).toEqual([]);
    expect(approvePairing(data, "ZZZZZZZZ", T0)).toEqual({ ok: false, reason: "unknown" });
  });

  it("revoke removes the approval (and any request); revoking a stranger says so", () => {
    const data = { ...emptyPairing(), approved: [{ userId: "7", approvedAt: T0 }, { userId: "8", approvedAt: T0 }] };
    expect(revokePairing(data, "7")).toBe(true);
    expect(data.approved.map((a) => a.userId)).toEqual(["8"]);
    expect(revokePairing(data, "7")).toBe(false);
  });
});
