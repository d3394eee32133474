import { describe, expect, it } from "vitest";
import { createRoutes, type RouteDeps } from "./routes.js";
import type { HttpRequest } from "./server.js";

const deps = (change: Partial<RouteDeps> = {}): RouteDeps => ({
  readiness: async () => ({ status: "ready", channels: [], providers: [] }),
  metrics: async () => ({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "baton_x 1\n" }),
  statusPage: async () => "<!doctype html><p>page</p>",
  token: "page-token",
  ...change,
});

const request = (path: string, change: Partial<HttpRequest> = {}): HttpRequest => ({ method: "GET", path, query: new URLSearchParams(), headers: {}, ...change });

describe("createRoutes", () => {
  it.each([
    ["GET", "/healthz", 200],
    ["HEAD", "/healthz", 200],
    ["GET", "/readyz", 200],
    ["GET", "/metrics", 200],
    ["GET", "/", 401],
    ["POST", "/healthz", 405],
    ["PUT", "/", 405],
    ["GET", "/HEALTHZ", 404],
    ["GET", "/constructor", 404],
    ["GET", "/__proto__", 404],
    ["GET", "/index.html", 404],
  ])("%s %s → %i", async (method, path, status) => {
    expect((await createRoutes(deps())(request(path, { method }))).status).toBe(status);
  });

  it("answers 503 with the report when not ready", async () => {
    const routes = createRoutes(deps({ readiness: async () => ({ status: "not_ready", channels: [], providers: [] }) }));
    const res = await routes(request("/readyz"));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ status: "not_ready", channels: [], providers: [] });
  });

  it("serves the page with the token and strict headers; 404 without a configured token", async () => {
    const res = await createRoutes(deps())(request("/", { headers: { authorization: "Bearer page-token" } }));
    expect(res).toMatchObject({ status: 200, body: "<!doctype html><p>page</p>" });
    expect(res.headers).toMatchObject({ "cache-control": "no-store", "referrer-policy": "no-referrer", "x-frame-options": "DENY" });
    expect((await createRoutes(deps({ token: undefined }))(request("/", { query: new URLSearchParams("token=x") }))).status).toBe(404);
  });
});
