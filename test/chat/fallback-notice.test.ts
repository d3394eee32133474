import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KEY_A, KEY_B, startHarness, type Harness } from "./harness.js";

/** DESIGN §9: a reply from a fallback model, or from another kind of credential than the first choice, says so in one line. */

const TOKEN = `sk-ant-oat01-${"t".repeat(80)}TTTT`;
const SUBSCRIPTION_FIRST = {
  "anthropic:sub": { type: "token", provider: "anthropic", token: TOKEN },
  "anthropic:paid": { type: "api_key", provider: "anthropic", key: KEY_A },
};
const ORDER = { auth: { order: { anthropic: ["anthropic:sub", "anthropic:paid"] } } };
const RATE_LIMITED = { error: { status: 429, type: "rate_limit_error", message: "rate limited" }, retryAfterSeconds: 60 } as const;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function storedHistory(harness: Harness, key = "telegram:dm:100"): Array<{ role: string; content: string }> {
  const file = path.join(harness.stateDir, "agents", "main", "sessions", `${encodeURIComponent(key)}.json`);
  return JSON.parse(fs.readFileSync(file, "utf8")).history;
}

describe("fallback notices", () => {
  it("subscription token refused (401) -> the paid API key answers, and the reply says so; the history keeps the bare reply", async () => {
    h = await startHarness({ profiles: SUBSCRIPTION_FIRST, config: ORDER });
    h.fake.script(TOKEN, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    expect(await h.say("hi")).toBe("echo: hi\n\n(Answered with API key anthropic:paid — your subscription was unavailable.)");
    expect(h.fake.requests.map((r) => r.credential)).toEqual([TOKEN, KEY_A]);
    expect(h.turns[0]).toMatchObject({ ok: true, profileId: "anthropic:paid", attempts: [{ profileId: "anthropic:sub", credentialType: "authToken", failureClass: "auth" }, { profileId: "anthropic:paid", credentialType: "apiKey" }] });
    expect(storedHistory(h).map((m) => m.content)).toEqual(["hi", "echo: hi"]);
  });

  it("a fallback model answers -> the reply names it and the model that was unavailable", async () => {
    h = await startHarness({ config: { agents: { defaults: { model: { primary: "anthropic/claude-opus-5-5", fallbacks: ["anthropic/claude-haiku-5-5"] } } } } });
    for (const key of [KEY_A, KEY_B]) h.fake.script(key, RATE_LIMITED);
    expect(await h.say("hi")).toBe("echo: hi\n\n(Answered by claude-haiku-5-5 — claude-opus-5-5 was unavailable.)");
    expect(storedHistory(h).at(-1)?.content).toBe("echo: hi");
    // the primary's profiles are cooling down now: the next reply comes from the fallback without an attempt on the primary, and still says so
    expect(await h.say("again")).toBe("echo: again\n\n(Answered by claude-haiku-5-5 — claude-opus-5-5 was unavailable.)");
  });

  it("no notice when the first choice answers, or when another profile of the same kind does", async () => {
    h = await startHarness();
    expect(await h.say("hi")).toBe("echo: hi");
    h.fake.script(KEY_A, RATE_LIMITED);
    expect(await h.say("two")).toBe("echo: two");
    expect(h.turns.at(-1)).toMatchObject({ ok: true, profileId: "anthropic:b" });
  });

  it("messages.fallbackNotice: false -> no notice", async () => {
    h = await startHarness({ profiles: SUBSCRIPTION_FIRST, config: { ...ORDER, messages: { fallbackNotice: false }, agents: { defaults: { model: { primary: "anthropic/claude-opus-5-5", fallbacks: ["anthropic/claude-haiku-5-5"] } } } } });
    h.fake.script(TOKEN, { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } });
    expect(await h.say("hi")).toBe("echo: hi");
    h.fake.script(KEY_A, RATE_LIMITED);
    expect(await h.say("two")).toBe("echo: two");
    expect(h.turns.at(-1)).toMatchObject({ ok: true, model: "anthropic/claude-haiku-5-5" });
  });
});
