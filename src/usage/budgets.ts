import type { ExtraBlock } from "../auth/order.js";
import { formatDuration } from "../util/duration.js";
import { periodOf, type BudgetPeriod } from "./periods.js";

/**
 * Budgets (DESIGN §11): `auth.profiles[id].budget` and `agents.defaults.budgets.perSender`,
 * both `{ usd, per: "day" | "month" }` in UTC periods. Pure: what was spent comes from a
 * {@link SpendLedger} that answers from memory, so checks are cheap on the turn path.
 */

export interface Budget {
  usd: number;
  per: BudgetPeriod;
}

/** The part of the config budgets read. */
export interface BudgetConfig {
  auth?: { profiles?: Readonly<Record<string, { budget?: Budget }>> };
  agents?: { defaults?: { budgets?: { perSender?: Budget } } };
}

export interface SpendLedger {
  /** Estimated USD spent by a profile or a sender (all agents) in the `per` period holding `now`. */
  spent(kind: "profile" | "sender", id: string, per: BudgetPeriod, now: number): number;
}

/** Whether any budget is configured (else the ledger need not be seeded before a turn). */
export function hasBudgets(config: BudgetConfig): boolean {
  return Boolean(config.agents?.defaults?.budgets?.perSender) || Object.values(config.auth?.profiles ?? {}).some((profile) => profile?.budget);
}

/**
 * The resolver's block for profiles over their budget: unusable with reason "budget" until the
 * period ends, skipped like a cooldown. Synchronous and allocation-free for a profile without one.
 */
export function profileBudgetBlock(config: BudgetConfig, ledger: SpendLedger, now: () => number = Date.now): ExtraBlock {
  return (profileId) => {
    const profiles = config.auth?.profiles;
    const budget = profiles && Object.hasOwn(profiles, profileId) ? profiles[profileId]?.budget : undefined;
    if (!budget) return undefined;
    const at = now();
    if (ledger.spent("profile", profileId, budget.per, at) < budget.usd) return undefined;
    return { usable: false, reason: "budget", until: periodOf(budget.per, at).end };
  };
}

export type SenderBudgetCheck = { over: false } | { over: true; budget: Budget; spentUsd: number; until: number };

/** Whether `sender` (`<channel>:<id>`) has spent its `perSender` budget in the current period. */
export function checkSenderBudget(config: BudgetConfig, ledger: SpendLedger, sender: string | undefined, now: number): SenderBudgetCheck {
  const budget = config.agents?.defaults?.budgets?.perSender;
  if (!budget || !sender) return { over: false };
  const spentUsd = ledger.spent("sender", sender, budget.per, now);
  if (spentUsd < budget.usd) return { over: false };
  return { over: true, budget, spentUsd, until: periodOf(budget.per, now).end };
}

/** What an over-budget sender is told instead of an answer. */
export function senderBudgetMessage(check: Extract<SenderBudgetCheck, { over: true }>, now: number): string {
  const resets = new Date(check.until).toISOString().replace("T", " ").slice(0, 16);
  const period = check.budget.per === "day" ? "per day" : "per month";
  return `You have used up your spending limit here (${formatUsd(check.budget.usd)} ${period}), so this message was not sent to the model. It resets in ${formatDuration(check.until - now)} (${resets} UTC).`;
}

/** `$0.0123` below a dollar, else `$12.34`. */
export function formatUsd(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
