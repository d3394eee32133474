/** The bare HTTP server: its bounds (slow headers, slow handlers, too many sockets) and its error boundary. */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startHttpServer, type HttpHandler, type RunningHttpServer } from "../../src/http/server.js";
import { waitFor } from "../support/wait.js";

const servers: RunningHttpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop(100);
});

function recordingLog() {
  const errors: string[] = [];
  return { errors, log: { debug() {}, info() {}, warn() {}, error: (msg: string, fields?: Record<string, unknown>) => void errors.push(`${msg} ${JSON.stringify(fields ?? {})}`) } };
}

async function serve(handler: HttpHandler, limits = {}) {
  const { log, errors } = recordingLog();
  const server = await startHttpServer({ host: "127.0.0.1", port: 0, handler, log, limits });
  servers.push(server);
  return { server, errors };
}

/** Opens a socket, writes `text`, and collects what comes back until the server closes it. */
function exchange(port: number, text: string): Promise<{ received: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ received, closed: true }));
  });
}

describe("startHttpServer", () => {
  it("closes a connection whose headers do not arrive in time (408)", async () => {
    const { server } = await serve(async () => ({ status: 200, body: "ok" }), { headersTimeoutMs: 300 });
    const { received, closed } = await exchange(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    expect(closed).toBe(true);
    expect(received === "" || /^HTTP\/1\.1 408/.test(received)).toBe(true);
  });

  it("answers 503 when the handler is slower than its bound, 500 (logged, no stack to the client) when it throws", async () => {
    let calls = 0;
    const { server, errors } = await serve(
      async (req) => {
        calls += 1;
        if (req.path === "/slow") return new Promise(() => undefined);
        throw new Error("boom with sk-ant-api03-secretsecretsecret");
      },
      { handlerTimeoutMs: 200 },
    );
    const slow = await fetch(`${server.url}/slow`);
    expect(slow.status).toBe(503);
    const broken = await fetch(`${server.url}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toBe("internal error\n");
    expect(errors.join("\n")).toContain("http: request failed");
    expect(errors.join("\n")).not.toContain("sk-ant-api03-secretsecretsecret");
    expect(calls).toBe(2);
  });

  it("refuses sockets beyond its cap and serves again once they close", async () => {
    const { server } = await serve(async () => ({ status: 200, body: "ok" }), { maxConnections: 2 });
    const idle = await Promise.all([0, 1].map(() => new Promise<net.Socket>((resolve) => { const s = net.connect(server.port, "127.0.0.1", () => resolve(s)); })));
    const third = await exchange(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(third).toEqual({ received: "", closed: true });
    for (const socket of idle) socket.destroy();
    const ok = await waitFor(async () => (await fetch(server.url).catch(() => undefined))?.status === 200, { intervalMs: 50, what: "a free socket" });
    expect(ok).toBe(true);
  });

  it("stop() cuts keep-alive connections and an endless handler within its grace", async () => {
    let hangs = 0;
    const { server } = await serve(async (req) => (req.path === "/hang" ? (hangs++, new Promise(() => undefined)) : { status: 200, body: "ok" }), { handlerTimeoutMs: 60_000 });
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    const hanging = fetch(`${server.url}/hang`).catch((err: unknown) => err);
    await waitFor(() => hangs === 1, { what: "the hanging request to arrive" });
    servers.splice(servers.indexOf(server), 1);
    await server.stop(100);
    expect(await hanging).toBeInstanceOf(Error);
    await expect(fetch(`${server.url}/`)).rejects.toThrow();
  });
});
