import { afterEach, describe, expect, it } from "vitest";
import type { TurnOutcome } from "../../src/agents/turn.js";
import type { Usage } from "../../src/providers/types.js";
import { profileBudgetBlock } from "../../src/usage/budgets.js";
import { periodOf, utcDay } from "../../src/usage/periods.js";
import { totalOf } from "../../src/usage/report.js";
import { KEY_A, KEY_B, startHarness, type Harness } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** What the fake reported for the answered turns (the SDK's parse of its usage fields). */
function reported(turns: TurnOutcome[]): Usage {
  const total = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const turn of turns) {
    if (!turn.ok) continue;
    total.inputTokens += turn.usage.inputTokens;
    total.outputTokens += turn.usage.outputTokens;
    total.cacheReadTokens += turn.usage.cacheReadTokens;
    total.cacheWriteTokens += turn.usage.cacheWriteTokens;
  }
  return total;
}

const n = (value: number) => new Intl.NumberFormat("en-US").format(value);
/** $1 per input or output token: a turn's cost is easy to check and crosses a $1 budget. */
const DEAR = { "anthropic/claude-opus-4-5": { input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheWrite: 0 } };

describe("usage through the router", () => {
  it("records every answered turn; /usage shows this chat's tokens and cost equal to what the fake reported", async () => {
    h = await startHarness();
    await h.say("hello there");
    await h.say("a second, longer message for more input tokens");
    const mine = [...h.turns];
    await h.say("someone else's chat", { chatId: "200", senderId: "200" });
    expect(h.turns.every((t) => t.ok)).toBe(true);
    const usage = reported(mine);
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);

    const reply = await h.say("/usage");
    const cost = (usage.inputTokens * 5 + usage.outputTokens * 25 + usage.cacheReadTokens * 0.5 + usage.cacheWriteTokens * 6.25) / 1e6;
    const line = `2 turns · ${n(usage.inputTokens)} in · ${n(usage.outputTokens)} out · cache ${n(usage.cacheReadTokens)} read / ${n(usage.cacheWriteTokens)} written · $${cost.toFixed(4)}`;
    expect(reply).toContain(`Today (${utcDay(Date.now())} UTC): ${line}`);
    expect(reply).toContain(`In total: ${line}`);

    // the store holds the same totals, per sender and session
    const { rows, unreadable } = await h.gateway.agents.usage.query();
    expect(unreadable).toEqual([]);
    const session = rows.filter((row) => row.sessionKey === "telegram:dm:100");
    // one row per profile that answered (the least recently used goes first)
    expect(new Set(session.map((row) => row.profileId))).toEqual(new Set(mine.map((t) => t.ok && t.profileId)));
    for (const row of session) expect(row).toMatchObject({ agentId: "main", sender: "telegram:100", model: "anthropic/claude-opus-4-5", unpricedTurns: 0 });
    expect(totalOf(session)).toMatchObject({ turns: 2, ...usage });
    expect(totalOf(session).costUsd).toBeCloseTo(cost, 12);
    expect(reported(h.turns.slice(2, 3))).toMatchObject({ inputTokens: rows.find((row) => row.sender === "telegram:200")!.inputTokens });
  });

  it("says unknown cost for a model without a price, never $0", async () => {
    h = await startHarness({ config: { agents: { defaults: { model: "anthropic/claude-unpriced-1" } } } });
    await h.say("hi");
    expect(await h.say("/usage")).toMatch(/In total: 1 turn · .* · unknown cost/);
  });

  it("skips a profile that went over its budget mid-conversation: the crossing turn completes, the next one goes to the second profile", async () => {
    h = await startHarness({
      config: {
        auth: { profiles: { "anthropic:a": { provider: "anthropic", mode: "api_key", budget: { usd: 1, per: "day" } } } },
        models: { pricing: DEAR },
      },
    });
    expect(await h.say("first")).toBe("echo: first");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_A);
    expect(h.turns[0]).toMatchObject({ ok: true, profileId: "anthropic:a" });
    expect(await h.say("second")).toBe("echo: second");
    expect(h.fake.requests.at(-1)!.credential).toBe(KEY_B);
    expect(h.turns[1]).toMatchObject({ ok: true, profileId: "anthropic:b" });
    expect(h.fake.requests.filter((r) => r.path.includes("/messages"))).toHaveLength(2);

    const block = profileBudgetBlock(h.gateway.agents.runtime.config, h.gateway.agents.usage);
    expect(block("anthropic:a")).toEqual({ usable: false, reason: "budget", until: periodOf("day", Date.now()).end });
    expect(block("anthropic:b")).toBeUndefined();
  });

  it("refuses a sender over the per-sender budget plainly, with when it resets, and sends nothing", async () => {
    h = await startHarness({ config: { agents: { defaults: { budgets: { perSender: { usd: 1, per: "day" } } } }, models: { pricing: DEAR } } });
    expect(await h.say("first")).toBe("echo: first");
    const sent = h.fake.requests.length;
    const refusal = await h.say("second");
    expect(refusal).toMatch(/^You have used up your spending limit here \(\$1\.00 per day\), so this message was not sent to the model\. It resets in .+ \(\d{4}-\d{2}-\d{2} 00:00 UTC\)\.$/);
    expect(h.fake.requests.length).toBe(sent);
    // another sender is not affected; /usage still answers the one over budget
    expect(await h.say("mine", { chatId: "200", senderId: "200" })).toBe("echo: mine");
    expect(await h.say("/usage")).toMatch(/Your limit: \$\d+\.\d{2} of \$1\.00 per day used; it resets in /);
  });
});
