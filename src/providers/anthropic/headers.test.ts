import { describe, expect, it } from "vitest";
import { baseBetas, cancelEnvCredentialHeaders, mergeBetas, partitionUserHeaders } from "./headers.js";

describe("baseBetas", () => {
  it("gives API keys the extended cache TTL beta and tokens the OAuth beta", () => {
    expect(baseBetas("apiKey", undefined)).toEqual(["extended-cache-ttl-2025-04-11"]);
    expect(baseBetas("apiKey", "1h")).toEqual(["extended-cache-ttl-2025-04-11"]);
    expect(baseBetas("authToken", undefined)).toEqual(["oauth-2025-04-20"]);
    expect(baseBetas("authToken", "5m")).toEqual(["oauth-2025-04-20"]);
    expect(baseBetas("authToken", "1h")).toEqual(["oauth-2025-04-20", "extended-cache-ttl-2025-04-11"]);
  });
});

describe("mergeBetas", () => {
  it("keeps order, trims, drops empties and duplicates", () => {
    expect(mergeBetas(["a", "b"], " b, c ,,a", undefined, ["d"])).toBe("a,b,c,d");
    expect(mergeBetas()).toBe("");
  });
});

describe("partitionUserHeaders", () => {
  it("separates the beta list, drops credential headers and passes the rest", () => {
    expect(
      partitionUserHeaders({
        "Anthropic-Beta": "x, y",
        Authorization: "Bearer nope",
        "X-Api-Key": "nope",
        "X-Route": "eu",
      }),
    ).toEqual({ betas: "x,y", passthrough: { "X-Route": "eu" }, dropped: ["Authorization", "X-Api-Key"] });
    expect(partitionUserHeaders(undefined)).toEqual({ betas: undefined, passthrough: {}, dropped: [] });
  });
});

describe("cancelEnvCredentialHeaders", () => {
  it("names the credential headers of ANTHROPIC_CUSTOM_HEADERS, as written", () => {
    const cancelled = cancelEnvCredentialHeaders("x-api-key: k\nAUTHORIZATION: Bearer t\nX-Team: blue\nnot a header");
    expect(Object.keys(cancelled).sort()).toEqual(["AUTHORIZATION", "x-api-key"]);
    expect(Object.values(cancelled)).toEqual([undefined, undefined]);
    expect(cancelEnvCredentialHeaders(undefined)).toEqual({});
  });
});
