import { pageAccess } from "./access.js";
import type { ReadinessReport } from "./readiness.js";
import type { HttpHandler, HttpResponse } from "./server.js";

/**
 * Which path answers what:
 *
 * | path | answer |
 * | --- | --- |
 * | `GET /healthz` | 200 `{"status":"ok"}` |
 * | `GET /readyz` | 200 when ready, else 503; the readiness report as JSON |
 * | `GET /metrics` | Prometheus text |
 * | `GET /` | the status page with the token; 404 when no token is configured, 401 without the right one |
 * | another method on those | 405 (`Allow: GET, HEAD`) |
 * | another path | 404 |
 *
 * HEAD is answered as GET, without the body.
 */

export interface RouteDeps {
  readiness(): Promise<ReadinessReport>;
  metrics(): Promise<{ contentType: string; body: string }>;
  statusPage(): Promise<string>;
  /** `gateway.http.token`; without one there is no status page. */
  token?: string;
}

const NO_STORE = { "cache-control": "no-store" };

const json = (status: number, value: unknown): HttpResponse => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE },
  body: `${JSON.stringify(value)}\n`,
});

const plain = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  body: `${body}\n`,
});

/** The page holds profile ids and masked secrets: no caching, no framing, no script, no referrer (the token may be in the URL). */
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  ...NO_STORE,
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

export function createRoutes(deps: RouteDeps): HttpHandler {
  const access = pageAccess(deps.token);
  const routes: Record<string, HttpHandler> = {
    "/healthz": async () => json(200, { status: "ok" }),
    "/readyz": async () => {
      const report = await deps.readiness();
      return json(report.status === "ready" ? 200 : 503, report);
    },
    "/metrics": async () => {
      const { contentType, body } = await deps.metrics();
      return { status: 200, headers: { "content-type": contentType, ...NO_STORE }, body };
    },
    "/": async (request) => {
      switch (access(request.headers, request.query)) {
        case "no_token_configured":
          return plain(404, "not found");
        case "unauthorized":
          return plain(401, "unauthorized: send Authorization: Bearer <gateway.http.token> or ?token=", { "www-authenticate": 'Bearer realm="baton"', ...NO_STORE });
        case "granted":
          return { status: 200, headers: PAGE_HEADERS, body: await deps.statusPage() };
      }
    },
  };
  return async (request) => {
    const route = Object.hasOwn(routes, request.path) ? routes[request.path] : undefined;
    if (!route) return plain(404, "not found");
    if (request.method !== "GET" && request.method !== "HEAD") return plain(405, "method not allowed", { allow: "GET, HEAD" });
    return route(request);
  };
}
