import { describe, expect, it } from "vitest";
import { plainEnvValue, withEnvVars } from "./env-file.js";

describe("withEnvVars", () => {
  it.each([
    ["an empty file", "", { A: "1" }, "A=1\n"],
    ["replaces a line (and an export line), keeps comments and others", "# keys\nA=old\nB=2\nexport A=older\n\n", { A: "new" }, "# keys\nB=2\nA=new\n"],
    ["appends, in the order given", "B=2", { C: "3", A: "1" }, "B=2\nC=3\nA=1\n"],
    ["does not touch a longer name", "AB=2\n", { A: "1" }, "AB=2\nA=1\n"],
  ])("%s", (_name, text, vars, expected) => {
    expect(withEnvVars(text, vars)).toBe(expected);
  });
});

describe("plainEnvValue", () => {
  it.each([
    ["123:AA-_b", true],
    ["MTE.x-y_z", true],
    ["has space", false],
    ["quo\"te", false],
    ["hash#", false],
    ["", false],
    ["line\nbreak", false],
  ])("%s -> %s", (value, ok) => {
    expect(plainEnvValue(value)).toBe(ok);
  });
});
