import { afterEach, describe, expect, it } from "vitest";
import { approvePairing, MAX_PENDING } from "../../src/pairing/requests.js";
import { pairingFile, readPairing, updatePairing } from "../../src/pairing/store.js";
import type { OutboundMessage, ReplySink } from "../../src/plugin-api.js";
import { maskSecret } from "../../src/util/mask.js";
import { dm, KEY_A, KEY_B, startHarness, writeAuthStore, type Harness } from "./harness.js";

/**
 * Access through the real router (DESIGN.md §8): who is answered, who gets a pairing code, who
 * may switch and pin, and that a refused native command always gets an answer.
 */

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const OWNER = "100";
const STRANGER = "300";
const GROUP = "-5";
/** The defaults (pairing, group allowlist, owner-only commands) with one owner and one listed group. */
const ownerConfig = (telegram: Record<string, unknown> = {}) => ({
  commands: {},
  channels: { telegram: { allowFrom: [OWNER], dmPolicy: "pairing" as const, groupPolicy: "allowlist" as const, groups: { [GROUP]: {} }, ...telegram } },
});
const fromStranger = { senderId: STRANGER, chatId: STRANGER, senderName: "Eve" };
const inGroup = (senderId: string) => ({ senderId, chatKind: "group" as const, chatId: GROUP, mentioned: true });

/** A sink like a Discord interaction's: records what the core answered through it. */
function recordingSink(): ReplySink & { replies: OutboundMessage[] } {
  const replies: OutboundMessage[] = [];
  return {
    replies,
    async send(message) {
      replies.push(message);
      return { messageId: String(replies.length) };
    },
  };
}

async function native(text: string, commandArgs: Record<string, string>, overrides: Parameters<typeof dm>[1]): Promise<OutboundMessage[]> {
  const sink = recordingSink();
  const result = await h.gateway.router.handle(h.plugin, dm(text, { ...overrides, commandArgs }), sink);
  if (result.kind === "queued") await result.done;
  return sink.replies;
}

describe("DM pairing", () => {
  it("a stranger gets a code and nothing else happens; once approved (no restart) they are answered", async () => {
    h = await startHarness({ config: ownerConfig() });
    const first = await h.say("hello, who are you?", fromStranger);
    const code = /pairing code: (\S{8})/.exec(first)?.[1];
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect(first).toContain(`Ask the owner to run: baton pairing approve telegram ${code}`);
    expect(first).toContain("valid for 1 hour");
    // asking again, or sending a command, gets the same code and changes nothing
    expect(await h.say("/model sonnet", fromStranger)).toContain(`baton pairing approve telegram ${code}`);
    expect(await h.say("/status", fromStranger)).toContain(code!);
    expect(h.fake.requests).toHaveLength(0);
    expect((await h.gateway.agents.sessions("main").get(`telegram:dm:${STRANGER}`)).modelOverride).toBeUndefined();

    const file = pairingFile(h.stateDir, "telegram");
    expect((await readPairing(file)).pending).toMatchObject([{ code, userId: STRANGER, name: "Eve" }]);
    expect(await updatePairing(file, (data) => approvePairing(data, code!, Date.now()))).toMatchObject({ ok: true });

    expect(await h.say("hello again", fromStranger)).toBe("echo: hello again");
    expect(h.fake.requests).toHaveLength(1);
    // approved is not owner: switching stays with the owner
    expect(await h.say("/model sonnet", fromStranger)).toBe("You are not allowed to run /model sonnet.");
    expect(await h.say("/model sonnet")).toContain("Model set to sonnet");
  });

  it("at most 3 strangers wait at once; the next one is told to try later", async () => {
    h = await startHarness({ config: ownerConfig() });
    for (let i = 0; i < MAX_PENDING; i++) expect(await h.say("hi", { senderId: `40${i}`, chatId: `40${i}` })).toContain("pairing code");
    expect(await h.say("hi", { senderId: "499", chatId: "499" })).toBe("This bot has too many pending pairing requests right now; try again later.");
    expect(h.fake.requests).toHaveLength(0);
  });

  it("allowlist: no codes, approved pairings count as listed; disabled: plain DMs ignored, native commands answered", async () => {
    h = await startHarness({ config: ownerConfig({ dmPolicy: "allowlist" }) });
    expect(await h.say("hi", fromStranger)).toContain("You are not allowed to use this bot. Your id is 300;");
    await updatePairing(pairingFile(h.stateDir, "telegram"), (data) => void data.approved.push({ userId: STRANGER, approvedAt: Date.now() }));
    expect(await h.say("hi", fromStranger)).toBe("echo: hi");
    await h.close();

    h = await startHarness({ config: ownerConfig({ dmPolicy: "disabled" }) });
    expect(await h.say("hi", fromStranger)).toBe("");
    expect(await h.say("hi")).toBe("echo: hi"); // owners are always served
    const replies = await native("/model", {}, fromStranger);
    expect(replies).toEqual([expect.objectContaining({ plainText: "This bot does not take direct messages.", ephemeral: true })]);
  });

  it("a corrupt pairing file fails closed: the stranger is refused, the file is left alone", async () => {
    h = await startHarness({ config: ownerConfig() });
    const { default: fs } = await import("node:fs");
    const file = pairingFile(h.stateDir, "telegram");
    fs.mkdirSync(`${h.stateDir}/pairing`, { mode: 0o700 });
    fs.writeFileSync(file, "{ broken", { mode: 0o600 });
    const reply = await h.say("hi", fromStranger);
    expect(reply).toBe("This bot cannot check pairings right now; its owner can see why in the gateway log.");
    expect(reply).not.toContain(h.stateDir);
    expect(fs.readFileSync(file, "utf8")).toBe("{ broken");
    expect(await h.say("hi")).toBe("echo: hi");
  });
});

describe("groups and privileged commands", () => {
  it("an unlisted group is ignored; a native command there gets an ephemeral refusal", async () => {
    h = await startHarness({ config: ownerConfig() });
    expect(await h.say("hi", { ...inGroup(OWNER), chatId: "-6" })).toBe("");
    expect(h.fake.requests).toHaveLength(0);
    const replies = await native("/model", { view: "status" }, { ...inGroup(OWNER), chatId: "-6" });
    expect(replies).toEqual([expect.objectContaining({ plainText: "This bot does not answer in this chat.", ephemeral: true })]);
    expect(await h.say("hi", inGroup(STRANGER))).toBe("echo: hi");
  });

  it("a non-owner's /model sonnet in a group is refused (silently as text, ephemerally as a native command) and changes nothing", async () => {
    h = await startHarness({ config: ownerConfig() });
    expect(await h.say("/model sonnet", inGroup(STRANGER))).toBe("");
    expect(await native("/model", { model: "sonnet" }, inGroup(STRANGER))).toEqual([
      expect.objectContaining({ plainText: "You are not allowed to do that here.", ephemeral: true }),
    ]);
    expect(await native("/reset", { scope: "all" }, inGroup(STRANGER))).toEqual([expect.objectContaining({ plainText: "You are not allowed to do that here." })]);
    // no switch buttons for them; the owner gets them
    const shown = h.plugin.sent.length;
    await h.say("/model", inGroup(STRANGER));
    expect(h.plugin.sent[shown].message.buttons).toBeUndefined();
    expect(h.plugin.sent[shown].message.plainText).toContain("The bot's owners can switch models here");
    await h.say("/model", inGroup(OWNER));
    expect(h.plugin.sent.at(-1)!.message.buttons?.length).toBeGreaterThan(0);
    // clearing the history is not a switch
    expect(await h.say("/reset", inGroup(STRANGER))).toBe("Fresh start: history cleared (model choice kept).");
    expect((await h.gateway.agents.sessions("main").get(`telegram:group:${GROUP}`)).modelOverride).toBeUndefined();
    await h.say("still opus?", inGroup(STRANGER));
    expect((h.fake.requests.at(-1)!.body as { model: string }).model).toBe("claude-opus-4-5");
    // the owner may
    expect(await h.say("/model sonnet", inGroup(OWNER))).toContain("Model set to sonnet");
  });

  it("a pin refused by the profile's allowedUsers still answers a native command in a group", async () => {
    h = await startHarness({
      config: { ...ownerConfig(), commands: { allowFrom: ["*"] }, auth: { profiles: { "anthropic:b": { provider: "anthropic", mode: "api_key", allowedUsers: [OWNER] } } } },
    });
    expect(await native("/model", { model: "opus", profile: "anthropic:b" }, inGroup(STRANGER))).toEqual([
      expect.objectContaining({ plainText: "You are not allowed to do that here.", ephemeral: true }),
    ]);
    expect((await h.gateway.agents.sessions("main").get(`telegram:group:${GROUP}`)).pinnedProfileId).toBeUndefined();
  });

  it("the sender who pinned may lift their own pin with /model default after losing the privilege; others may not", async () => {
    h = await startHarness({ config: ownerConfig() });
    const sessionKey = `telegram:group:${GROUP}`;
    // pinned while 200 was privileged; the config no longer lists them
    await h.gateway.agents.sessions("main").setModel(sessionKey, { model: "anthropic/claude-sonnet-4-5", pin: { profileId: "anthropic:b", by: "telegram:200" } });
    expect(await native("/model", { view: "default" }, inGroup(STRANGER))).toEqual([expect.objectContaining({ plainText: "You are not allowed to do that here." })]);
    expect((await h.gateway.agents.sessions("main").get(sessionKey)).pinnedProfileId).toBe("anthropic:b");
    expect(await h.say("/model default", inGroup("200"))).toContain("no pinned profile");
    expect(await h.gateway.agents.sessions("main").get(sessionKey)).not.toHaveProperty("pinnedProfileId");
  });

  it("/model status in a group shows masked secrets and the endpoint only to privileged senders", async () => {
    h = await startHarness({ config: ownerConfig() });
    const stranger = await h.say("/model status", inGroup(STRANGER));
    expect(stranger).toContain("Profile order:");
    expect(stranger).toContain("anthropic:a (api_key) ok");
    expect(stranger).not.toContain(maskSecret(KEY_A));
    expect(stranger).not.toContain(maskSecret(KEY_B));
    expect(stranger).not.toContain("Endpoint:");
    expect(stranger).not.toContain(h.fake.url);
    const owner = await h.say("/model status", inGroup(OWNER));
    expect(owner).toContain(maskSecret(KEY_A));
    expect(owner).toContain(`Endpoint: ${h.fake.url}`);
  });
});

describe("pinning whatever the order source", () => {
  it("pins a stored profile that the store's order override leaves out, and uses it", async () => {
    h = await startHarness();
    writeAuthStore(
      h.storePath,
      {
        "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A },
        "anthropic:b": { type: "api_key", provider: "anthropic", key: KEY_B },
      },
      { order: { anthropic: ["anthropic:a"] } },
    );
    expect(await h.say("/model status")).toMatch(/Not in the order \(used only when pinned\):\n\n\S anthropic:b \(api_key/);
    expect(await h.say("/model opus@anthropic:b")).toMatch(/^Model set to opus .*, pinned to profile anthropic:b for this chat\.$/);
    expect(await h.say("hi")).toBe("echo: hi");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_B);
    // a profile with no stored secret is still refused, with the command that adds it
    expect(await h.say("/model opus@anthropic:c")).toContain("Add it with baton models auth paste-token --provider anthropic --profile-id anthropic:c.");
  });
});
