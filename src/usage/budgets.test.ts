import { describe, expect, it } from "vitest";
import { BatonConfig } from "../config/schema.js";
import { checkSenderBudget, formatUsd, hasBudgets, profileBudgetBlock, senderBudgetMessage, type SpendLedger } from "./budgets.js";

const now = Date.parse("2026-12-05T04:20:00Z");
const ledger = (spent: Record<string, number>): SpendLedger => ({ spent: (kind, id, per) => spent[`${kind}:${id}:${per}`] ?? 0 });
const config = BatonConfig.parse({
  auth: {
    profiles: {
      "anthropic:work": { provider: "anthropic", mode: "api_key", budget: { usd: 5, per: "day" } },
      "anthropic:home": { provider: "anthropic", mode: "api_key", budget: { usd: 20, per: "month" } },
      "anthropic:free": { provider: "anthropic", mode: "api_key" },
    },
  },
  agents: { defaults: { budgets: { perSender: { usd: 0.5, per: "day" } } } },
});

describe("profile budgets", () => {
  it("blocks a profile at or over its budget until its period ends, with reason budget", () => {
    const block = profileBudgetBlock(config, ledger({ "profile:anthropic:work:day": 5, "profile:anthropic:home:month": 19.99 }), () => now);
    expect(block("anthropic:work")).toEqual({ usable: false, reason: "budget", until: Date.parse("2026-12-06T00:00:00Z") });
    expect(block("anthropic:home")).toBeUndefined();
    expect(block("anthropic:free")).toBeUndefined();
    expect(block("anthropic:unknown")).toBeUndefined();
    expect(block("constructor")).toBeUndefined();
    const monthly = profileBudgetBlock(config, ledger({ "profile:anthropic:home:month": 20.5 }), () => now);
    expect(monthly("anthropic:home")).toEqual({ usable: false, reason: "budget", until: Date.parse("2027-01-01T00:00:00Z") });
  });

  it("is validated: a positive usd and day or month", () => {
    const profile = (budget: unknown) => ({ auth: { profiles: { "anthropic:a": { provider: "anthropic", mode: "api_key", budget } } } });
    expect(BatonConfig.safeParse(profile({ usd: 0, per: "day" })).success).toBe(false);
    expect(BatonConfig.safeParse(profile({ usd: 1, per: "week" })).success).toBe(false);
    expect(BatonConfig.safeParse(profile({ usd: 1 })).success).toBe(false);
    expect(BatonConfig.safeParse({ agents: { defaults: { budgets: { perSender: { usd: -1, per: "month" } } } } }).success).toBe(false);
    expect(hasBudgets(BatonConfig.parse({}))).toBe(false);
    expect(hasBudgets(config)).toBe(true);
  });
});

describe("sender budgets", () => {
  it("refuses a sender at or over the per-sender budget and says plainly when it resets", () => {
    const check = checkSenderBudget(config, ledger({ "sender:telegram:42:day": 0.5 }), "telegram:42", now);
    expect(check).toEqual({ over: true, budget: { usd: 0.5, per: "day" }, spentUsd: 0.5, until: Date.parse("2026-12-06T00:00:00Z") });
    if (!check.over) throw new Error("expected over");
    expect(senderBudgetMessage(check, now)).toBe(
      "You have used up your spending limit here ($0.5000 per day), so this message was not sent to the model. It resets in 19h 40m (2026-12-06 00:00 UTC).",
    );
  });

  it("lets through senders under it, turns without a sender, and everyone when no budget is set", () => {
    const spent = ledger({ "sender:telegram:42:day": 0.49 });
    expect(checkSenderBudget(config, spent, "telegram:42", now)).toEqual({ over: false });
    expect(checkSenderBudget(config, ledger({ "sender:telegram:42:day": 9 }), undefined, now)).toEqual({ over: false });
    expect(checkSenderBudget(BatonConfig.parse({}), ledger({ "sender:telegram:42:day": 9 }), "telegram:42", now)).toEqual({ over: false });
  });

  it("formats money", () => {
    expect([formatUsd(0), formatUsd(0.01234), formatUsd(1), formatUsd(12.345)]).toEqual(["$0.0000", "$0.0123", "$1.00", "$12.35"]);
  });
});
