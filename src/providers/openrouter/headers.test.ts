import { describe, expect, it } from "vitest";
import { cancelEnvHeaders, defaultHeaders } from "./headers.js";

describe("defaultHeaders", () => {
  it("attributes the app, lets configured headers replace attribution whatever their case, and sets the credential last", () => {
    expect(defaultHeaders("k", undefined, undefined)).toEqual({ "HTTP-Referer": "http://localhost", "X-Title": "Baton", "X-OpenRouter-Title": "Baton", Authorization: "Bearer k" });
    expect(defaultHeaders("k", { "http-referer": "https://me.example", authorization: "Bearer other", "X-Api-Key": "x" }, undefined)).toEqual({
      "http-referer": "https://me.example",
      "X-Title": "Baton",
      "X-OpenRouter-Title": "Baton",
      Authorization: "Bearer k",
    });
  });

  it("cancels every header OPENAI_CUSTOM_HEADERS would add, and the credential still wins", () => {
    expect(cancelEnvHeaders("X-Team: red\nmalformed\n: nameless\nAuthorization: Bearer env")).toEqual({ "X-Team": null, Authorization: null });
    const headers = defaultHeaders("k", undefined, "authorization: Bearer env\nX-Team: red");
    expect(headers["X-Team"]).toBeNull();
    expect(headers.Authorization).toBe("Bearer k");
    expect(headers.authorization).toBeUndefined();
  });
});
