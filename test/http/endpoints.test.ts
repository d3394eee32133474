/** /healthz, /readyz, the token rules of the status page, and what the server answers to odd requests. */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_A } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import { PAGE_TOKEN, startRig, useLoopbackPlugin, type Rig } from "./rig.js";

let restorePluginPath: () => void;
beforeAll(() => {
  restorePluginPath = useLoopbackPlugin();
});
afterAll(() => restorePluginPath());

/** One raw HTTP exchange (for what fetch will not send); resolves with what came back before the server closed or `ms` passed. */
function rawExchange(port: number, request: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, ms);
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", (err) => {
      clearTimeout(timer);
      if (received) resolve(received);
      else reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(request);
  });
}

describe("with the channel up and usable credentials", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
    await waitFor(() => rig.gateway.channelStatus()[0]?.state === "up", { what: "loopback up" });
  });
  afterAll(() => rig.close());

  it("/healthz answers ok", async () => {
    const res = await rig.get("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is 200 and lists the channels and providers with their state", async () => {
    const res = await rig.get("/readyz");
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      status: "ready",
      channels: [{ channel: "loopback", state: "up", ready: true }],
      providers: [{ agent: "main", provider: "anthropic", state: "usable", ready: true, profile: "anthropic:a" }],
    });
  });

  it("the status page needs the token: 401 without or with a wrong one, 200 with a bearer token or ?token=", async () => {
    const none = await rig.get("/");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await rig.get("/", { headers: { authorization: `Bearer ${PAGE_TOKEN}x` } })).status).toBe(401);
    expect((await rig.get("/?token=nope")).status).toBe(401);
    expect((await rig.get("/", { headers: { authorization: "Basic Zm9vOmJhcg==" } })).status).toBe(401);
    const bearer = await rig.get("/", { headers: { authorization: `Bearer ${PAGE_TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get("content-type")).toContain("text/html");
    expect(bearer.headers.get("cache-control")).toBe("no-store");
    expect(bearer.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await bearer.text();
    expect(html).toContain('<meta http-equiv="refresh" content="10">');
    expect(html).toContain('name="viewport"');
    expect((await rig.get(`/?token=${encodeURIComponent(PAGE_TOKEN)}`)).status).toBe(200);
  });

  it("the status page never shows a whole key, and escapes what senders choose (session keys, names)", async () => {
    const hostile = `<img src=x onerror=alert(1)>"'&`;
    expect(await rig.say("hello there", hostile)).toContain("hello there");
    const html = await (await rig.get("/", { headers: { authorization: `Bearer ${PAGE_TOKEN}` } })).text();
    expect(html).not.toContain(KEY_A);
    expect(html).not.toContain(KEY_A.slice(12, 40));
    expect(html).toContain("sk-ant-a…AAAA");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
  });

  it("answers 404 to other paths, 405 to other methods, HEAD like GET without a body", async () => {
    expect((await rig.get("/nope")).status).toBe(404);
    expect((await rig.get("/healthz/")).status).toBe(404);
    expect((await rig.get("/favicon.ico")).status).toBe(404);
    const post = await rig.get("/healthz", { method: "POST", body: "x".repeat(100_000) });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await rig.get("/metrics", { method: "DELETE" })).status).toBe(405);
    const head = await rig.get("/healthz", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("survives odd requests: absolute and asterisk targets, bad encodings, oversized headers, garbage, a client that stops mid-request", async () => {
    const { port } = rig.surface;
    expect(await rawExchange(port, "GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawExchange(port, "GET http://evil/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawExchange(port, "GET //healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawExchange(port, "GET /?token=%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 40[01]/);
    expect(await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await rawExchange(port, "\u0000\u0001garbage\r\n\r\n")).toMatch(/^HTTP\/1\.1 400|^$/);
    // a client that sends half a request and goes away
    const half = net.connect(port, "127.0.0.1");
    half.write("GET /metr");
    half.destroy();
    expect((await rig.get("/healthz")).status).toBe(200);
  });
});

describe("readiness", () => {
  it("is 503 while the channel cannot start (its port is taken), 200 once it came up", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const rig = await startRig({ loopback: { port } });
    try {
      const down = await rig.get("/readyz");
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: "not_ready",
        channels: [{ channel: "loopback", state: "retrying", ready: false, failures: 1, lastError: expect.stringContaining("EADDRINUSE") }],
        providers: [{ provider: "anthropic", state: "usable", ready: true }],
      });
      await new Promise((resolve) => blocker.close(resolve));
      const up = await waitFor(async () => {
        const res = await rig.get("/readyz");
        return res.status === 200 && res;
      }, { timeoutMs: 15_000, intervalMs: 100, what: "readiness once the port is free" });
      expect(await up.json()).toMatchObject({ status: "ready", channels: [{ channel: "loopback", state: "up" }] });
    } finally {
      blocker.close();
      await rig.close();
    }
  });

  it("is 503 when every profile of the provider in use is cooling down, with the profiles and the time left", async () => {
    const until = Date.now() + 600_000;
    const cooling = { lastUsed: 0, errorCount: 1, failureCounts: { rate_limit: 1 }, cooldownUntil: until, disabledUntil: 0, disabledReason: null, modelCooldowns: {} };
    const rig = await startRig({ store: { usageStats: { "anthropic:a": cooling, "anthropic:b": cooling } } });
    try {
      await waitFor(() => rig.gateway.channelStatus()[0]?.state === "up", { what: "loopback up" });
      const res = await rig.get("/readyz");
      expect(res.status).toBe(503);
      const body = (await res.json()) as { providers: { unusable: { remainingSeconds: number }[] }[] };
      expect(body).toMatchObject({ status: "not_ready", channels: [{ state: "up", ready: true }], providers: [{ provider: "anthropic", state: "unusable", ready: false }] });
      expect(body.providers[0].unusable).toEqual([
        { profile: "anthropic:a", kind: "cooldown", reason: expect.any(String), remainingSeconds: expect.any(Number) },
        { profile: "anthropic:b", kind: "cooldown", reason: expect.any(String), remainingSeconds: expect.any(Number) },
      ]);
      expect(body.providers[0].unusable[0].remainingSeconds).toBeGreaterThan(500);
    } finally {
      await rig.close();
    }
  });

  it("is 503 with no credential at all, 200 with the provider's environment variable", async () => {
    const missing = await startRig({ profiles: {}, loopback: false });
    try {
      const res = await missing.get("/readyz");
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ channels: [], providers: [{ provider: "anthropic", state: "missing", ready: false, reason: "no credential" }] });
    } finally {
      await missing.close();
    }
    const fromEnv = await startRig({ profiles: {}, loopback: false, env: { ANTHROPIC_API_KEY: KEY_A } });
    try {
      const res = await fromEnv.get("/readyz");
      expect(res.status).toBe(200);
      const body = (await res.json()) as { providers: unknown[] };
      expect(body.providers).toEqual([{ agent: "main", provider: "anthropic", state: "usable", ready: true, profile: "env:ANTHROPIC_API_KEY" }]);
      expect(JSON.stringify(body)).not.toContain(KEY_A);
    } finally {
      await fromEnv.close();
    }
  });
});

describe("the status page without a configured token", () => {
  it("does not exist (404), whatever token is sent; the other endpoints still answer", async () => {
    const rig = await startRig({ token: null, loopback: false });
    try {
      expect((await rig.get("/")).status).toBe(404);
      expect((await rig.get("/?token=anything")).status).toBe(404);
      expect((await rig.get("/", { headers: { authorization: "Bearer anything" } })).status).toBe(404);
      expect((await rig.get("/healthz")).status).toBe(200);
      expect((await rig.get("/metrics")).status).toBe(200);
    } finally {
      await rig.close();
    }
  });
});
