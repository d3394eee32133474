import { describe, expect, it } from "vitest";
import { pageAccess } from "./access.js";

const TOKEN = "a-long-status-page-token";
const query = (text = "") => new URLSearchParams(text);

describe("pageAccess", () => {
  const check = pageAccess(TOKEN);

  it.each([
    ["Bearer header", { authorization: `Bearer ${TOKEN}` }, "", "granted"],
    ["scheme in any case, extra spaces", { authorization: `bearer   ${TOKEN}  ` }, "", "granted"],
    ["?token=", {}, `token=${encodeURIComponent(TOKEN)}`, "granted"],
    ["a wrong header but the right query", { authorization: "Bearer nope" }, `token=${TOKEN}`, "granted"],
    ["nothing", {}, "", "unauthorized"],
    ["a prefix of the token", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, "", "unauthorized"],
    ["the token and more", { authorization: `Bearer ${TOKEN}x` }, "", "unauthorized"],
    ["Basic auth", { authorization: `Basic ${TOKEN}` }, "", "unauthorized"],
    ["an empty ?token=", {}, "token=", "unauthorized"],
    ["the token as a bare header", { authorization: TOKEN }, "", "unauthorized"],
  ] as const)("%s → %s", (_name, headers, q, expected) => {
    expect(check(headers, query(q))).toBe(expected);
  });

  it("with no token configured the page does not exist, whatever is sent", () => {
    expect(pageAccess(undefined)({ authorization: "Bearer x" }, query("token=x"))).toBe("no_token_configured");
    expect(pageAccess("")({}, query())).toBe("no_token_configured");
  });
});
