import { describe, expect, it } from "vitest";
import { commandName, type InvocationFacts } from "./command-name.js";

const root = "/home/u/src/baton";
const bin = `${root}/bin/baton`;
const facts = (over: Partial<InvocationFacts>): InvocationFacts => ({ script: bin, cwd: root, root, ...over });

describe("commandName", () => {
  it.each<[string, Partial<InvocationFacts>, string]>([
    ["./bin/baton from the checkout's root (npm start, ./bin/baton)", {}, "./bin/baton"],
    ["a relative script path from the root", { script: "bin/baton" }, "./bin/baton"],
    ["npx baton", { npmCommand: "exec" }, "npx baton"],
    ["npx baton, with npx's link to this bin on PATH", { npmCommand: "exec", onPath: bin }, "npx baton"],
    ["baton on PATH is this checkout's bin (npm link)", { onPath: bin }, "baton"],
    ["another baton on PATH: this one is still ./bin/baton", { onPath: "/usr/lib/node_modules/baton/bin/baton" }, "./bin/baton"],
    ["run from elsewhere (a service, a test): the seeds' wording", { cwd: "/home/u" }, "baton"],
    ["not run through bin/baton (embedding, tests)", { script: `${root}/node_modules/vitest/vitest.mjs` }, "baton"],
    ["no script", { script: undefined }, "baton"],
  ])("%s", (_name, over, expected) => {
    expect(commandName(facts(over))).toBe(expected);
  });
});
