import { afterEach, describe, expect, it } from "vitest";
import { StateUnavailableError } from "../../src/state/unavailable.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Makes the next `times` session reads fail as if Redis were out of reach. */
function failSessionReads(h: Harness, times: number): void {
  const sessions = h.gateway.agents.sessions("main");
  const get = sessions.get.bind(sessions);
  let left = times;
  sessions.get = (key) => (left-- > 0 ? Promise.reject(new StateUnavailableError(new Error("Stream isn't writeable"))) : get(key));
}

describe("a state backend briefly out of reach", () => {
  it("answers the message once it is back (a Redis restart), instead of a refusal that would confirm it", async () => {
    h = await startHarness();
    failSessionReads(h, 1);
    expect(await h.say("hello")).toBe("echo: hello");
    expect(h.fake.requests).toHaveLength(1);
  });

  it("tells the user plainly when it stays out of reach, and sends nothing to the model", async () => {
    h = await startHarness();
    failSessionReads(h, 100);
    expect(await h.say("hello")).toBe("Baton is temporarily unavailable (it cannot reach its state store). Please try again in a moment.");
    expect(h.fake.requests).toHaveLength(0);
  });
});
