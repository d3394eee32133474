/**
 * Pairing requests and approvals of one channel (DESIGN.md §8): what `<state>/pairing/<channel>.json`
 * holds and the rules that change it. Pure: the clock and the random source are passed in;
 * `store.ts` does the file work.
 */

/** No 0/O or 1/I: a code read aloud or copied by hand is not mistaken. 32 symbols, so 8 of them are 40 bits. */
export const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const CODE_LENGTH = 8;
/** How long a code can be approved. */
export const CODE_TTL_MS = 60 * 60 * 1000;
/** Unexpired requests one channel holds at once; further strangers are told to try later. */
export const MAX_PENDING = 3;
/** Display names are for `baton pairing list`; a longer one is cut. */
const MAX_NAME_LENGTH = 64;

export interface PendingRequest {
  code: string;
  userId: string;
  name?: string;
  createdAt: number;
  expiresAt: number;
}

export interface ApprovedSender {
  userId: string;
  name?: string;
  approvedAt: number;
}

export interface PairingData {
  version: 1;
  pending: PendingRequest[];
  approved: ApprovedSender[];
}

export function emptyPairing(): PairingData {
  return { version: 1, pending: [], approved: [] };
}

/** Requests that can still be approved at `now`. */
export function livePending(data: PairingData, now: number): PendingRequest[] {
  return data.pending.filter((request) => request.expiresAt > now);
}

export function isApproved(data: PairingData, userId: string): boolean {
  return data.approved.some((entry) => entry.userId === userId);
}

/** A random code from {@link CODE_ALPHABET}; `randomBytes` is `crypto.randomBytes` outside tests. */
export function generateCode(randomBytes: (size: number) => Uint8Array): string {
  let code = "";
  while (code.length < CODE_LENGTH) {
    for (const byte of randomBytes(CODE_LENGTH)) {
      // rejection sampling keeps every symbol equally likely should the alphabet size stop dividing 256
      const limit = 256 - (256 % CODE_ALPHABET.length);
      if (byte < limit && code.length < CODE_LENGTH) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
    }
  }
  return code;
}

/** Upper-cased, without spaces or dashes, so `abcd-2345 efgh` matches `ABCD2345EFGH`. */
export function normalizeCode(text: string): string {
  return text.replace(/[\s-]+/g, "").toUpperCase();
}

/** A display name safe for a terminal table: no control characters, bounded length. */
export function cleanName(name: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = name?.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, "").trim();
  if (!cleaned) return undefined;
  const codePoints = Array.from(cleaned);
  return codePoints.length > MAX_NAME_LENGTH ? `${codePoints.slice(0, MAX_NAME_LENGTH - 1).join("")}…` : cleaned;
}

export type RequestOutcome =
  /** A new code was issued (the data changed). */
  | { kind: "issued"; code: string; expiresAt: number }
  /** The sender already holds an unexpired code: the same one again (the data is unchanged). */
  | { kind: "existing"; code: string; expiresAt: number }
  /** {@link MAX_PENDING} other requests are waiting. */
  | { kind: "full" }
  /** Approved meanwhile (e.g. by a CLI run a moment ago). */
  | { kind: "approved" };

/** What a request from `userId` would get, without changing anything (for the cheap read-only path). */
export function peekRequest(data: PairingData, userId: string, now: number): RequestOutcome | undefined {
  if (isApproved(data, userId)) return { kind: "approved" };
  const live = livePending(data, now);
  const own = live.find((request) => request.userId === userId);
  if (own) return { kind: "existing", code: own.code, expiresAt: own.expiresAt };
  if (live.length >= MAX_PENDING) return { kind: "full" };
  return undefined;
}

/**
 * A stranger asks to pair: their existing code, a new one, or "full". Expired requests are
 * dropped on the way. Mutates `data`.
 */
export function requestPairing(
  data: PairingData,
  sender: { userId: string; name?: string },
  now: number,
  newCode: () => string,
): RequestOutcome {
  data.pending = livePending(data, now);
  const known = peekRequest(data, sender.userId, now);
  if (known) return known;
  const taken = new Set(data.pending.map((request) => request.code));
  let code = newCode();
  while (taken.has(code)) code = newCode();
  const name = cleanName(sender.name);
  const expiresAt = now + CODE_TTL_MS;
  data.pending.push({ code, userId: sender.userId, ...(name ? { name } : {}), createdAt: now, expiresAt });
  return { kind: "issued", code, expiresAt };
}

export type ApproveOutcome =
  | { ok: true; sender: ApprovedSender; alreadyApproved: boolean }
  | { ok: false; reason: "unknown" | "expired" };

/** The owner approves a code: its sender joins `approved` and the request is removed. Mutates `data`. */
export function approvePairing(data: PairingData, codeText: string, now: number): ApproveOutcome {
  const code = normalizeCode(codeText);
  const request = data.pending.find((r) => r.code === code);
  data.pending = livePending(data, now);
  if (!request) return { ok: false, reason: "unknown" };
  if (request.expiresAt <= now) return { ok: false, reason: "expired" };
  data.pending = data.pending.filter((r) => r.userId !== request.userId);
  const existing = data.approved.find((entry) => entry.userId === request.userId);
  if (existing) return { ok: true, sender: existing, alreadyApproved: true };
  const sender: ApprovedSender = { userId: request.userId, ...(request.name ? { name: request.name } : {}), approvedAt: now };
  data.approved.push(sender);
  return { ok: true, sender, alreadyApproved: false };
}

/** Removes the sender's approval and any request of theirs. Returns whether they were approved. Mutates `data`. */
export function revokePairing(data: PairingData, userId: string): boolean {
  const before = data.approved.length;
  data.approved = data.approved.filter((entry) => entry.userId !== userId);
  data.pending = data.pending.filter((request) => request.userId !== userId);
  return data.approved.length < before;
}
