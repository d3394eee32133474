import { afterEach, describe, expect, it } from "vitest";
import { ChannelUnavailableError } from "../../src/chat/channel-supervisor.js";
import { Gateway } from "../../src/chat/gateway.js";
import { runtimeFromConfig } from "../../src/config/runtime.js";
import type { OutboundFile, OutboundMessage, OutboundTarget } from "../../src/plugin-api.js";
import { writeAuthStore } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import { dm, KEY_A, KEY_B, RecordingPlugin, startHarness, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SMALL = { maxMessageLength: 64, canEdit: false, nativeCommands: false, format: "plain" as const };
/** A reply of `n` paragraphs, each a part of its own at a 64-character limit. */
const paragraphs = (n: number) => Array.from({ length: n }, (_, i) => `Paragraph ${i + 1} ${"x".repeat(40)}`).join("\n\n");

/** Records sends; each send waits `delayMs`; sends after `failAfter` parts throw. */
class SlowPlugin extends RecordingPlugin {
  files: OutboundFile[] = [];
  constructor(
    private readonly delayMs = 0,
    public failAfter = Number.POSITIVE_INFINITY,
  ) {
    super(SMALL);
  }
  override async send(target: OutboundTarget, message: OutboundMessage) {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.sent.length >= this.failAfter) throw new Error("platform unreachable");
    return super.send(target, message);
  }
  async sendFile(_target: OutboundTarget, file: OutboundFile) {
    this.files.push(file);
    return { messageId: `file-${this.files.length}` };
  }
}

async function handle(gateway: Gateway, plugin: RecordingPlugin, message = dm("hi")) {
  const result = await gateway.router.handle(plugin, message);
  return result.kind === "queued" ? result.done : result.kind;
}

describe("reply delivery", () => {
  it("sends at most messages.maxParts messages; the rest goes as reply.md", async () => {
    h = await startHarness({ config: { messages: { maxParts: 4 }, channels: { telegram: { allowFrom: ["100", "1", "2"] } } } as any });
    const text = paragraphs(10);
    h.fake.setDefault({ reply: text });
    const plugin = new SlowPlugin();
    await handle(h.gateway, plugin);
    expect(plugin.sent).toHaveLength(3);
    expect(plugin.files).toHaveLength(1);
    expect(plugin.files[0].name).toBe("reply.md");
    expect(plugin.files[0].content).toBe(text);
  });

  it("a channel without files gets every part", async () => {
    h = await startHarness({ config: { messages: { maxParts: 4 }, channels: { telegram: { allowFrom: ["100", "1", "2"] } } } as any, limits: SMALL });
    h.fake.setDefault({ reply: paragraphs(10) });
    await handle(h.gateway, h.plugin);
    expect(h.plugin.sent).toHaveLength(10);
  });

  it("/stop ends the sending between parts", async () => {
    h = await startHarness({ config: { channels: { telegram: { allowFrom: ["100", "1", "2"] } } } as any });
    h.fake.setDefault({ reply: paragraphs(10) });
    const plugin = new SlowPlugin(40);
    const done = handle(h.gateway, plugin, dm("long one"));
    await waitFor(() => plugin.sent.length >= 2, { intervalMs: 5, what: "two parts sent" });
    await h.gateway.router.handle(plugin, dm("/stop"));
    await done;
    const parts = plugin.texts().filter((t) => t.startsWith("Paragraph"));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.length).toBeLessThan(6);
  });

  it("a long delivery does not hold a turn slot: a quiet chat is answered meanwhile", async () => {
    h = await startHarness({ config: { gateway: { concurrency: 1 }, channels: { telegram: { allowFrom: ["100", "1", "2"] } } } as any });
    h.fake.script(KEY_A, { reply: paragraphs(10) });
    h.fake.setDefault({ reply: "hello back" });
    const busy = new SlowPlugin(50);
    const quiet = new SlowPlugin();
    const long = handle(h.gateway, busy, dm("tell me a lot", { chatId: "1", senderId: "1" }));
    await waitFor(() => busy.sent.length >= 1, { intervalMs: 5, what: "the first part sent" });
    await handle(h.gateway, quiet, dm("hello", { chatId: "2", senderId: "2" }));
    expect(quiet.texts()).toEqual(["hello back"]);
    expect(busy.sent.length).toBeLessThan(10);
    await long;
    expect(busy.sent).toHaveLength(10);
  });
});

describe("at most one turn per platform message, restarts included", () => {
  it("a replayed message is not sent to the model again; only its undelivered parts are sent", async () => {
    h = await startHarness({ config: { channels: { telegram: { allowFrom: ["100", "1", "2"] } } } as any });
    h.fake.setDefault({ reply: paragraphs(5) });
    const message = dm("once only", { messageId: "777" });
    const first = new SlowPlugin(0, 2);
    await handle(h.gateway, first, message);
    expect(first.sent).toHaveLength(2);
    expect(h.fake.requests).toHaveLength(1);

    // a new process over the same state (the platform offers the message again after a crash)
    const restarted = new Gateway({
      runtime: h.gateway.agents.runtime,
      channels: [],
      log: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } },
    });
    const second = new SlowPlugin();
    await handle(restarted, second, { ...message });
    expect(h.fake.requests).toHaveLength(1);
    expect(second.texts()).toEqual(paragraphs(5).split("\n\n").slice(2));

    // and once everything is out, a further replay sends nothing
    const third = new SlowPlugin();
    await handle(restarted, third, { ...message });
    expect(third.sent).toHaveLength(0);
    expect(h.fake.requests).toHaveLength(1);
    await restarted.stop();
  });
});

describe("a channel restarting while a reply goes out", () => {
  it("settles the message abandoned, and the message offered again gets the reply without a second model call", async () => {
    h = await startHarness({ config: { channels: { telegram: { allowFrom: ["100", "1", "2"] } } } as any });
    h.fake.setDefault({ reply: "the answer" });
    class DownPlugin extends RecordingPlugin {
      down = true;
      override async send(target: OutboundTarget, message: OutboundMessage) {
        if (this.down) throw new ChannelUnavailableError("test");
        return super.send(target, message);
      }
    }
    const plugin = new DownPlugin();
    const message = dm("asked during the restart", { messageId: "4242" });
    expect(await handle(h.gateway, plugin, message)).toBe("abandoned");
    plugin.down = false;
    expect(await handle(h.gateway, plugin, { ...message })).toBe("done");
    expect(plugin.texts()).toEqual(["the answer"]);
    expect(h.fake.requests).toHaveLength(1);
  });
});

describe("pins are authorizations, checked on every turn", () => {
  const profiles = {
    "anthropic:a": { type: "api_key", provider: "anthropic", key: KEY_A },
    "anthropic:vip": { type: "api_key", provider: "anthropic", key: KEY_B },
  };
  const baseConfig = (allowedUsers: string[]) =>
    ({
      // vip is kept for pins: out of the order, only its allowedUsers may pin it
      auth: {
        profiles: { "anthropic:a": { provider: "anthropic", mode: "api_key" }, "anthropic:vip": { provider: "anthropic", mode: "api_key", allowedUsers } },
        order: { anthropic: ["anthropic:a"] },
      },
      commands: { allowFrom: ["100", "200"] },
      channels: { telegram: { allowFrom: ["100", "1", "2"] } },
    }) as any;

  it("a pin whose pinner lost the right is lifted, the chat told once, and nothing is sent with it", async () => {
    h = await startHarness({ profiles, config: baseConfig(["100"]) });
    expect(await h.say("/model opus@anthropic:vip")).toContain("pinned");
    await h.say("on vip");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_B);

    // the owner takes 100 off the profile's allowedUsers and restarts
    const runtime = await runtimeFromConfig(h.stateDir, { ...baseConfig(["200"]), models: { providers: { anthropic: { baseUrl: h.fake.url } } } });
    const restarted = new Gateway({ runtime, channels: [], log: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } });
    const plugin = new RecordingPlugin();
    await handle(restarted, plugin, dm("after revocation"));
    expect(plugin.texts()[0]).toContain("The pin on profile anthropic:vip was lifted");
    expect(plugin.texts()[1]).toBe("echo: after revocation");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_A);
    expect((await restarted.agents.sessions("main").get("telegram:dm:100")).pinnedProfileId).toBeUndefined();

    await handle(restarted, plugin, dm("and again"));
    expect(plugin.texts().filter((t) => t.includes("was lifted"))).toHaveLength(1);
    expect(h.fake.requests.filter((r) => r.credential === KEY_B)).toHaveLength(1);
    await restarted.stop();
  });

  it("a pin on a profile that was removed from the store is lifted", async () => {
    h = await startHarness({ profiles, config: baseConfig(["100"]) });
    await h.say("/model opus@anthropic:vip");
    writeAuthStore(h.storePath, { "anthropic:a": profiles["anthropic:a"] });
    const reply = await h.say("still there?");
    expect(reply).toContain("that profile no longer exists");
    expect(reply).toContain("echo: still there?");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_A);
  });
});
