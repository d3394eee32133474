import { describe, expect, it } from "vitest";
import type { ResolvedCredential } from "../../auth/types.js";
import { ClientCache, credentialKey } from "./client-cache.js";

const credential = (secret: string, kind: ResolvedCredential["kind"] = "apiKey"): ResolvedCredential => ({
  profileId: "anthropic:x",
  provider: "anthropic",
  kind,
  secret,
  source: "profile",
});

describe("ClientCache", () => {
  it("reuses the client of a credential and creates one per distinct credential", () => {
    let created = 0;
    const cache = new ClientCache(() => ({ id: ++created }), 4);
    const a = cache.get(credential("secret-a"));
    expect(cache.get(credential("secret-a"))).toBe(a);
    expect(cache.get(credential("secret-a", "authToken"))).not.toBe(a);
    expect(cache.get(credential("secret-b"))).not.toBe(a);
    expect(created).toBe(3);
  });

  it("evicts the least recently used client beyond its capacity", () => {
    let created = 0;
    const cache = new ClientCache(() => ({ id: ++created }), 2);
    const a = cache.get(credential("a"));
    cache.get(credential("b"));
    cache.get(credential("a"));
    cache.get(credential("c"));
    expect(cache.size).toBe(2);
    expect(cache.get(credential("a"))).toBe(a);
    expect(created).toBe(3);
    cache.get(credential("b"));
    expect(created).toBe(4);
  });

  it("keys by a hash, not the secret", () => {
    expect(credentialKey(credential("sk-ant-api03-secret"))).not.toContain("secret");
  });
});
