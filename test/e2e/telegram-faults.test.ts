/**
 * The whole gateway (router, agents, supervisor) with the real Telegram plugin and grammY, against
 * a Bot API and peers that misbehave: none of it may end or stall the gateway (DESIGN.md §7).
 */
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../support/net.js";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/index.js";
import { alice, botMessages, startStack, waitForBotText, type Stack } from "./telegram-helpers.js";

let anthropic: FakeAnthropic;
let stack: Stack | undefined;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
});

afterAll(async () => {
  await anthropic?.close();
});

beforeEach(() => {
  anthropic.reset();
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail" && stack) console.error(`gateway log of the failed test:\n${stack.logs.join("")}`);
  await stack?.stop();
  stack = undefined;
});

/** Sends raw bytes to a local port and resolves with the first status line's code. */
function rawStatus(port: number, request: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let response = "";
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk) => (response += chunk.toString("latin1")));
    socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]) || undefined));
    socket.on("error", () => undefined);
    setTimeout(() => socket.destroy(), 3000);
  });
}

describe("Telegram faults the gateway survives", () => {
  it("answers on when setMyCommands gets a proxy's 500 without a description", async () => {
    // 500 {"message": ...}: the error formatter used to throw in a rejection handler, ending the gateway ~10 ms after start.
    stack = await startStack(anthropic, {
      telegram: { rawAnswers: [{ method: "setMyCommands", answer: { status: 500, body: JSON.stringify({ message: "upstream down" }) } }] },
    });
    await stack.telegram.waitForCall("setMyCommands");
    stack.telegram.pushUserMessage({ from: alice, text: "are you up?" });
    await waitForBotText(stack.telegram, alice.id, "echo: are you up?");
    expect(stack.gateway.channelStatus()).toMatchObject([{ channel: "telegram", state: "up" }]);
  });

  it("restarts the channel with backoff when another process polls the same token (409), and answers on", async () => {
    stack = await startStack(anthropic);
    const { telegram } = stack;
    await telegram.waitFor(() => telegram.pollWaiting, 5000, "the gateway's long poll");
    // Another process (an old one still shutting down) polls: Telegram ends the gateway's poll with 409.
    const other = await fetch(`${telegram.url}/bot${telegram.token}/getUpdates`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ timeout: 1 }),
    });
    await other.arrayBuffer();
    await telegram.waitFor(() => stack!.logs.some((line) => line.includes("channel lost its connection")), 5000, "the channel to report the conflict");
    expect(stack.gateway.channelStatus()[0].lastError).toMatch(/409: Conflict/);

    telegram.pushUserMessage({ from: alice, text: "after the conflict" });
    await waitForBotText(telegram, alice.id, "echo: after the conflict", 20_000);
    expect(stack.gateway.channelStatus()).toMatchObject([{ channel: "telegram", state: "up" }]);
    expect(botMessages(telegram, alice.id).map((m) => m.text)).toEqual(["echo: after the conflict"]);
    expect(stack.logs.join("")).not.toContain(telegram.token);
  });

  it("starts without Telegram, reports it down, and stops at once", async () => {
    stack = await startStack(anthropic, { config: { channels: { telegram: { apiRoot: `http://127.0.0.1:${await freePort()}` } } } });
    const [status] = stack.gateway.channelStatus();
    expect(status).toMatchObject({ channel: "telegram", state: "retrying" });
    expect(status.lastError).toMatch(/cannot reach the Telegram Bot API/);
    expect(status.lastError).not.toContain(stack.telegram.token);
    const stopping = Date.now();
    await stack.stop();
    expect(Date.now() - stopping).toBeLessThan(3000);
  });

  it("keeps serving webhook updates after a malformed request target", async () => {
    const port = await freePort();
    stack = await startStack(anthropic, {
      config: { channels: { telegram: { webhook: { url: `http://127.0.0.1:${port}/telegram`, secret: "s3cret", port, path: "/telegram" } } } },
    });
    const { telegram } = stack;
    expect(await rawStatus(port, "POST //[ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")).toBe(400);
    const update = telegram.pushUserMessage({ from: alice, text: "via the webhook" });
    expect(await telegram.deliverViaWebhook(update)).toBe(200);
    await waitForBotText(telegram, alice.id, "echo: via the webhook");
  });

  it("sends no mention for a tg://user link in the model's reply", async () => {
    stack = await startStack(anthropic);
    anthropic.setDefault({ reply: "Ask [the admin](tg://user?id=42) or read [the docs](https://example.com)." });
    stack.telegram.pushUserMessage({ from: alice, text: "who can help?" });
    const reply = await stack.telegram.waitFor(() => botMessages(stack!.telegram, alice.id)[0], 15_000, "a reply");
    expect(reply.text).toContain("the admin");
    expect(reply.last.entities.filter((e) => e.type === "text_mention")).toEqual([]);
  });

  it("sends the rest of a reply past messages.maxParts as reply.md", async () => {
    stack = await startStack(anthropic, { config: { messages: { maxParts: 2 } } });
    // ~12,000 characters: three Telegram messages' worth, within what the fake model writes (max_tokens × 4).
    const lines = Array.from({ length: 200 }, (_, i) => `Line ${String(i).padStart(3, "0")} of a reply far longer than two Telegram messages.`);
    anthropic.setDefault({ reply: lines.join("\n") });
    stack.telegram.pushUserMessage({ from: alice, text: "everything, please" });
    const document = await stack.telegram.waitFor(() => stack!.telegram.documents[0], 30_000, "reply.md");
    expect(document).toMatchObject({ chat_id: alice.id, file_name: "reply.md" });
    expect(document.content.toString("utf8")).toContain(lines.at(-1));
    expect(botMessages(stack.telegram, alice.id).length).toBeLessThanOrEqual(2);
  });
});
