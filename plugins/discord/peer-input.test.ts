import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandSpec } from "../../src/plugin-api.js";
import { alice, DM, GENERAL, GUILD, part, startRig, stopRigs, unhandledRejectionsDuring } from "./test-harness.js";

afterEach(stopRigs);

const STATUS: CommandSpec = { name: "status", description: "Show session status", args: [] };

describe("odd gateway payloads", () => {
  it("drops malformed dispatches with a warning, without an unhandled rejection, and keeps delivering", async () => {
    const { fake, harness } = await startRig();
    const malformed: [string, unknown][] = [
      ["MESSAGE_CREATE", null],
      ["MESSAGE_CREATE", {}],
      ["MESSAGE_CREATE", { id: "2", channel_id: GENERAL, guild_id: GUILD, author: { id: "5" }, content: 42, mentions: "x" }],
      ["MESSAGE_CREATE", { id: "3", channel_id: "999", author: { id: "5", username: "u" }, content: "hi", mentions: [], mention_roles: [], type: 0 }],
      ["INTERACTION_CREATE", {}],
      ["INTERACTION_CREATE", { id: "7", type: 2, token: "t", application_id: fake.applicationId, channel_id: GENERAL }],
      ["GUILD_CREATE", { id: "9" }],
      ["THREAD_CREATE", { id: "11" }],
      ["error", { message: "a dispatch named error" }],
      ["NOT_AN_EVENT", 5],
    ];
    const rejections = await unhandledRejectionsDuring(async () => {
      for (const [t, d] of malformed) fake.emitRaw(t, d);
      const good = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "still listening?" });
      await harness.waitForDispatch((m) => m.messageId === good);
    });
    expect(rejections).toEqual([]);
    expect(harness.dispatched.map((m) => m.text)).toEqual(["still listening?"]);
    const dropped = harness.logs.filter((l) => l.msg.includes("dropped a gateway event"));
    expect(dropped.map((l) => l.fields?.event)).toEqual(expect.arrayContaining(["MESSAGE_CREATE", "INTERACTION_CREATE", "error"]));
    expect(harness.failures).toEqual([]);
    expect(fake.liveConnections).toBe(1);
  });

  it("ignores a message without an author instead of failing on it", async () => {
    const { fake, harness } = await startRig();
    fake.emitRaw("MESSAGE_CREATE", { id: "1", channel_id: GENERAL, guild_id: GUILD, content: "who said this?", type: 0, mentions: [], mention_roles: [] });
    const good = fake.emitMessage({ channel_id: GENERAL, guild_id: GUILD, author: alice, content: "me" });
    await harness.waitForDispatch((m) => m.messageId === good);
    expect(harness.dispatched).toHaveLength(1);
    expect(harness.logs.filter((l) => l.level === "error")).toEqual([]);
  });
});

describe("odd REST answers", () => {
  it.each([
    ["a plain-text 400", { status: 400, body: "oops", headers: { "Content-Type": "text/plain" } }],
    ["a JSON null 400", { status: 400, body: null }],
    ["a 403 without a code", { status: 403, body: { message: "Missing Access" } }],
    ["an HTML 502, three times over", { status: 502, body: "<html>Bad Gateway</html>", headers: { "Content-Type": "text/html" } }],
    ["a 200 without a message id", { status: 200, body: {} }],
    ["a 200 that is not JSON", { status: 200, body: "<html>ok</html>", headers: { "Content-Type": "application/json" } }],
  ])("turns %s to a message send into a rejected send, and the next send goes through", async (_name, answer) => {
    const { fake, plugin } = await startRig();
    const lift = fake.answerWith({ method: "POST", path: `/channels/${GENERAL}/messages`, ...answer });
    const rejections = await unhandledRejectionsDuring(async () => {
      const error = await plugin.send({ chatId: GENERAL }, part("first")).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
    });
    expect(rejections).toEqual([]);
    lift();
    const sent = await plugin.send({ chatId: GENERAL }, part("second"));
    expect(fake.messages.find((m) => m.id === sent.messageId)?.content).toBe("second");
  });

  it("fails a send answered 429 without Retry-After at once, instead of retrying it in a loop, and the channel's queue moves on", async () => {
    const { fake, plugin } = await startRig();
    const lift = fake.answerWith({ method: "POST", path: `/channels/${GENERAL}/messages`, status: 429, body: { message: "slow down" }, times: 1 });
    const started = performance.now();
    const first = plugin.send({ chatId: GENERAL }, part("first")).catch((e: unknown) => e);
    const queued = plugin.send({ chatId: GENERAL }, part("queued behind it"));
    expect(await first).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(fake.count429).toBe(1);
    lift();
    await queued;
    expect(fake.messages.map((m) => m.content)).toEqual(["queued behind it"]);
  });

  it("ends a send that a server keeps unanswered at the request deadline, and the channel's queue moves on", async () => {
    const { fake, plugin } = await startRig({ plugin: { requestTimeoutMs: 300 } });
    fake.stallRest();
    const started = performance.now();
    const first = plugin.send({ chatId: GENERAL }, part("first")).catch((e: unknown) => e);
    const queued = plugin.send({ chatId: GENERAL }, part("queued behind it"));
    expect(await first).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(1500);
    fake.stallRest(false);
    await queued;
    expect(fake.messages.map((m) => m.content)).toEqual(["queued behind it"]);
  });

  it("shrugs off typing answered with garbage", async () => {
    const { fake, plugin, harness } = await startRig();
    fake.answerWith({ method: "POST", path: `/channels/${GENERAL}/typing`, status: 400, body: "[", headers: { "Content-Type": "application/json" } });
    await expect(plugin.typing({ chatId: GENERAL })).resolves.toBeUndefined();
    expect(harness.logs.some((l) => l.msg === "discord: typing failed")).toBe(true);
  });

  it("starts when the registered commands come back as something other than a list, and registers them", async () => {
    const { fake, harness } = await startRig({
      commands: [STATUS],
      beforeStart: (fake) => void fake.answerWith({ method: "GET", path: `/applications/${fake.applicationId}/commands`, status: 200, body: { not: "a list" } }),
    });
    expect(fake.commandPuts.map((put) => put.commands.map((c) => c.name))).toEqual([["status"]]);
    expect(harness.logs.filter((l) => l.level === "error")).toEqual([]);
  });

  it("finishes starting when slash command registration hangs, within the start timeout, and says so", async () => {
    const started = performance.now();
    const { fake, harness } = await startRig({
      commands: [STATUS],
      plugin: { startTimeoutMs: 500 },
      beforeStart: (fake) => void fake.answerWith({ method: "GET", path: `/applications/${fake.applicationId}/commands`, status: 0, hang: true }),
    });
    expect(performance.now() - started).toBeLessThan(2500);
    expect(fake.liveConnections).toBe(1);
    expect(harness.logs.some((l) => l.level === "error" && l.msg === "discord: slash command registration failed")).toBe(true);
  });

  it("logs an interaction it cannot defer (the callback answered 500) and still answers the next one", async () => {
    const rig = await startRig({ commands: [STATUS], handle: async (_rig, _message, sink) => void (await sink!.send(part("Status: fine."))) });
    const { fake, harness } = rig;
    const lift = fake.answerWith({ method: "POST", path: /^\/interactions\/\d+\/[^/]+\/callback$/, status: 500, body: "<html>oops</html>", headers: { "Content-Type": "text/html" } });
    const rejections = await unhandledRejectionsDuring(async () => {
      fake.emitCommand({ name: "status", user: alice, channel_id: DM });
      await harness.waitForLog((l) => l.msg === "discord: could not defer interaction");
    });
    expect(rejections).toEqual([]);
    expect(harness.dispatched).toEqual([]);
    lift();
    const next = fake.emitCommand({ name: "status", user: alice, channel_id: DM });
    await harness.waitForHandled(1);
    expect(fake.interactionCallbacks.get(next)?.original?.content).toBe("Status: fine.");
  });
});
