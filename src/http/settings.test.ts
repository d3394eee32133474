import { describe, expect, it } from "vitest";
import { httpSettings } from "./settings.js";

describe("httpSettings", () => {
  it.each([
    ["no port anywhere: no server", undefined, undefined, undefined],
    ["config port, default host", undefined, { port: 9100, host: "127.0.0.1" }, { host: "127.0.0.1", port: 9100 }],
    ["the flag overrides the config port", "9200", { port: 9100, host: "0.0.0.0", token: "t" }, { host: "0.0.0.0", port: 9200, token: "t" }],
    ["the flag alone", "0", undefined, { host: "127.0.0.1", port: 0 }],
    ["a host and token but no port: no server", undefined, { host: "127.0.0.1", token: "t" }, undefined],
  ] as const)("%s", (_name, flag, http, expected) => {
    expect(httpSettings(flag, http)).toEqual(expected);
  });

  it.each(["", "abc", "-1", "65536", "80.5", "1e3", "123456"])("refuses --http-port %j", (flag) => {
    expect(httpSettings(flag, undefined)).toEqual({ error: expect.stringContaining("--http-port must be a port number") });
  });
});
