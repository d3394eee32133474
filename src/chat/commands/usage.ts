import { formatUsd } from "../../usage/budgets.js";
import { periodOf, utcDay } from "../../usage/periods.js";
import { amountsLine, totalOf } from "../../usage/report.js";
import { formatDuration } from "../../util/duration.js";
import type { CommandDefinition } from "./registry.js";

/** `/usage`: this chat's tokens and estimated cost, today (UTC) and in total; the sender's budget when one is set. */
export const usageCommand: CommandDefinition = {
  name: "usage",
  description: "Tokens and estimated cost of this chat, today and in total",
  args: [],
  privileged: () => false,
  async run(ctx) {
    const now = Date.now();
    const today = utcDay(now);
    const { rows, unreadable } = await ctx.runtime.usage.query();
    const mine = rows.filter((row) => row.agentId === ctx.agentId && row.sessionKey === ctx.sessionKey);
    const lines = [
      "Usage of this chat (estimated cost):",
      `Today (${today} UTC): ${amountsLine(totalOf(mine.filter((row) => row.day === today)))}`,
      `In total: ${amountsLine(totalOf(mine))}`,
    ];
    const budget = ctx.config.agents?.defaults?.budgets?.perSender;
    if (budget) {
      const sender = `${ctx.message.channel}:${ctx.message.senderId}`;
      const end = periodOf(budget.per, now).end;
      const spent = ctx.runtime.usage.spent("sender", sender, budget.per, now);
      lines.push(`Your limit: ${formatUsd(spent)} of ${formatUsd(budget.usd)} per ${budget.per} used; it resets in ${formatDuration(end - now)}.`);
    }
    if (unreadable.length) lines.push(`(${unreadable.length} day${unreadable.length === 1 ? "" : "s"} of usage could not be read and ${unreadable.length === 1 ? "is" : "are"} missing; the owner can run \`baton usage\`.)`);
    return { text: lines.join("\n"), ephemeral: true };
  },
};
