import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local OAuth 2.0 token endpoint (refresh_token grant) speaking the wire format Anthropic's
 * console endpoint uses: POST JSON `{ grant_type, refresh_token, client_id }` ->
 * `{ access_token, refresh_token, expires_in, token_type }`, or an RFC 6749 error body.
 */

export interface TokenRequest {
  grant_type?: string;
  refresh_token?: string;
  client_id?: string;
  contentType?: string;
}

export type TokenReply =
  | { kind: "tokens"; accessToken: string; refreshToken?: string; expiresIn?: number }
  | { kind: "error"; status: number; error: string; description?: string }
  /** Holds the response until `release()` is called (to observe concurrent refreshes). */
  | { kind: "hold"; then: TokenReply };

export interface FakeOAuthServer {
  /** The token endpoint URL, for config `auth.oauth.tokenUrl`. */
  url: string;
  requests: TokenRequest[];
  /** Queue replies; when the queue is empty, a fresh access token is minted for any known refresh token. */
  enqueue(...replies: TokenReply[]): void;
  /** Refresh tokens the server accepts (default: any non-empty one). */
  acceptRefreshTokens(tokens: string[] | "any"): void;
  /** Resolves held replies. */
  release(): void;
  /** Resolves when `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeOAuthServer(): Promise<FakeOAuthServer> {
  const requests: TokenRequest[] = [];
  const queue: TokenReply[] = [];
  let accepted: Set<string> | "any" = "any";
  let minted = 0;
  const held: (() => void)[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || new URL(req.url ?? "/", "http://x").pathname !== "/v1/oauth/token") {
        send(res, 404, { error: "not_found" });
        return;
      }
      let body: any = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        send(res, 400, { error: "invalid_request", error_description: "body is not JSON" });
        return;
      }
      const request: TokenRequest = { ...body, contentType: req.headers["content-type"] };
      requests.push(request);
      for (const w of [...waiters]) if (requests.length >= w.n) w.resolve();
      answer(res, request, queue.shift());
    });
  });

  function answer(res: http.ServerResponse, request: TokenRequest, reply: TokenReply | undefined): void {
    if (reply?.kind === "hold") {
      held.push(() => answer(res, request, reply.then));
      return;
    }
    if (reply?.kind === "error") {
      send(res, reply.status, { error: reply.error, ...(reply.description ? { error_description: reply.description } : {}) });
      return;
    }
    if (request.grant_type !== "refresh_token") {
      send(res, 400, { error: "unsupported_grant_type" });
      return;
    }
    if (!request.refresh_token || (accepted !== "any" && !accepted.has(request.refresh_token))) {
      send(res, 400, { error: "invalid_grant", error_description: "refresh token not found or revoked" });
      return;
    }
    minted++;
    const tokens = reply ?? { kind: "tokens", accessToken: `sk-ant-oat01-fake-access-${minted}-${"a".repeat(60)}`, refreshToken: `sk-ant-ort01-fake-refresh-${minted}-${"r".repeat(60)}` };
    send(res, 200, {
      token_type: "Bearer",
      access_token: tokens.accessToken,
      ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
      expires_in: tokens.expiresIn ?? 28_800,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/oauth/token`,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    acceptRefreshTokens: (tokens) => {
      accepted = tokens === "any" ? "any" : new Set(tokens);
    },
    release: () => held.splice(0).forEach((go) => go()),
    waitForRequests: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
