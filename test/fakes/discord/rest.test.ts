import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeDiscord, startFakeDiscord } from "./index.js";

const GUILD = "300000000000000001";
const GENERAL = "300000000000000010";
const alice = { id: "200000000000000001", username: "alice" };

let fake: FakeDiscord;

beforeEach(async () => {
  fake = await startFakeDiscord({ channelMessageLimit: { limit: 2, windowMs: 60_000 } });
  fake.addGuild({ id: GUILD, channels: [{ id: GENERAL, name: "general", type: 0 }] });
});

afterEach(async () => {
  await fake.close();
});

function api(method: string, path: string, body?: unknown, auth: string | null = `Bot ${fake.token}`): Promise<Response> {
  return fetch(`${fake.apiRoot}/v10${path}`, {
    method,
    headers: { ...(auth ? { Authorization: auth } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

describe("fake Discord REST", () => {
  it("answers 401 without the bot token and hands out its gateway with it", async () => {
    expect((await api("GET", "/gateway/bot", undefined, null)).status).toBe(401);
    expect((await api("GET", "/gateway/bot", undefined, "Bot wrong")).status).toBe(401);
    const ok = await api("GET", "/gateway/bot");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ url: fake.gatewayUrl, shards: 1, session_start_limit: { max_concurrency: 1 } });
  });

  it("sends rate-limit headers like Discord", async () => {
    const res = await api("POST", `/channels/${GENERAL}/typing`);
    expect(res.status).toBe(204);
    for (const header of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-reset-after", "x-ratelimit-bucket"]) {
      expect(res.headers.get(header)).not.toBeNull();
    }
  });

  it("rejects content over 2000 characters with Discord's 50035 body, and empty messages with 50006", async () => {
    const over = await api("POST", `/channels/${GENERAL}/messages`, { content: "x".repeat(2001) });
    expect(over.status).toBe(400);
    expect(await over.json()).toEqual({
      code: 50035,
      message: "Invalid Form Body",
      errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } },
    });
    const empty = await api("POST", `/channels/${GENERAL}/messages`, { content: "" });
    expect(await empty.json()).toMatchObject({ code: 50006 });
    expect((await api("POST", "/channels/1/messages", { content: "hi" })).status).toBe(404);
  });

  it("answers the per-channel message limit with 429, retry_after and Retry-After", async () => {
    expect((await api("POST", `/channels/${GENERAL}/messages`, { content: "1" })).status).toBe(200);
    expect((await api("POST", `/channels/${GENERAL}/messages`, { content: "2" })).status).toBe(200);
    const limited = await api("POST", `/channels/${GENERAL}/messages`, { content: "3" });
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as { retry_after: number };
    expect(body).toMatchObject({ message: "You are being rate limited.", global: false });
    expect(body.retry_after).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(fake.count429).toBe(1);
    expect(fake.messages.map((m) => m.content)).toEqual(["1", "2"]);
  });

  it("refuses a command set with a required option after an optional one", async () => {
    const res = await api("PUT", `/applications/${fake.applicationId}/commands`, [
      { name: "x", description: "x", options: [{ type: 3, name: "a", description: "a" }, { type: 3, name: "b", description: "b", required: true }] },
    ]);
    expect(res.status).toBe(400);
    expect(fake.commandPuts).toEqual([]);
  });

  it("lets a deferred interaction's first follow-up fill the placeholder, and acknowledges only once", async () => {
    const id = fake.emitCommand({ name: "status", user: alice, channel_id: GENERAL, guild_id: GUILD });
    const { token } = fake.interactionCallbacks.get(id)!;
    expect((await api("POST", `/interactions/${id}/${token}/callback`, { type: 5, data: { flags: 64 } }, null)).status).toBe(204);
    const again = await api("POST", `/interactions/${id}/${token}/callback`, { type: 5 }, null);
    expect(await again.json()).toMatchObject({ code: 40060 });

    const first = (await (await api("POST", `/webhooks/${fake.applicationId}/${token}?wait=true`, { content: "one" }, null)).json()) as { id: string };
    const second = (await (await api("POST", `/webhooks/${fake.applicationId}/${token}?wait=true`, { content: "two" }, null)).json()) as { id: string };
    const record = fake.interactionCallbacks.get(id)!;
    expect(first.id).toBe(record.original?.id);
    expect(record.original).toMatchObject({ content: "one", flags: 64 });
    expect(record.followUps).toEqual([expect.objectContaining({ id: second.id, content: "two", flags: 0 })]);
  });

  it("takes a multipart message (payload_json and files[n]), records each file and answers with its attachments", async () => {
    const form = new FormData();
    form.append("payload_json", JSON.stringify({ content: "see attached", attachments: [{ id: 0, filename: "reply.md" }] }));
    form.append("files[0]", new Blob(["# hello ✓\n"], { type: "text/markdown" }), "reply.md");
    const res = await fetch(`${fake.apiRoot}/v10/channels/${GENERAL}/messages`, { method: "POST", headers: { Authorization: `Bot ${fake.token}` }, body: form });
    expect(res.status).toBe(200);
    const message = (await res.json()) as { content: string; attachments: { filename: string; size: number }[] };
    expect(message.content).toBe("see attached");
    expect(message.attachments).toEqual([expect.objectContaining({ filename: "reply.md", size: Buffer.byteLength("# hello ✓\n") })]);
    expect(fake.messages.at(-1)?.files).toEqual([{ name: "reply.md", content: "# hello ✓\n", size: Buffer.byteLength("# hello ✓\n"), contentType: "text/markdown" }]);

    const fileOnly = new FormData();
    fileOnly.append("files[0]", new Blob(["x"]), "x.txt");
    const noText = await fetch(`${fake.apiRoot}/v10/channels/${GENERAL}/messages`, { method: "POST", headers: { Authorization: `Bot ${fake.token}` }, body: fileOnly });
    expect(noText.status).toBe(200);
  });

  it("answers with a canned reply before any route, and leaves requests unanswered while stalled", async () => {
    const lift = fake.answerWith({ method: "GET", path: "/gateway/bot", status: 502, body: "<html>bad gateway</html>", headers: { "Content-Type": "text/html" }, times: 1 });
    const canned = await api("GET", "/gateway/bot");
    expect([canned.status, await canned.text(), canned.headers.get("x-ratelimit-limit")]).toEqual([502, "<html>bad gateway</html>", null]);
    expect((await api("GET", "/gateway/bot")).status).toBe(200);
    lift();

    fake.stallRest();
    const controller = new AbortController();
    const pending = fetch(`${fake.apiRoot}/v10/users/@me`, { headers: { Authorization: `Bot ${fake.token}` }, signal: controller.signal }).catch((e: unknown) => e);
    await fake.waitFor(() => fake.requests.at(-1)?.status === 0);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await fake.waitFor(() => fake.requests.at(-1)?.abandoned);
    fake.stallRest(false);
    expect((await api("GET", "/users/@me")).status).toBe(200);
  });
});
