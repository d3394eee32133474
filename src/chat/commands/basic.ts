import { parseModelRef } from "../../agents/catalog.js";
import { allowedModels } from "../../agents/model-choice.js";
import { canRunPrivilegedCommands } from "../access.js";
import { credentialView } from "./model.js";
import type { CommandDefinition } from "./registry.js";

const never = () => false;

export const helpCommand: CommandDefinition = {
  name: "help",
  description: "What Baton can do here",
  args: [],
  privileged: never,
  async run(ctx) {
    const lines = ctx.registry.all().map((c) => `/${c.name} — ${c.description}`);
    const model = [
      "",
      "`/model` current model · `/model list` allowed models · `/model status` credentials and cooldowns",
      "`/model <name>` switch · `/model <name>@<profileId>` switch and pin a credential · `/model default` back to the default",
    ];
    return { text: ["Commands:", ...lines, ...model].join("\n"), ephemeral: true };
  },
};

/**
 * The first message every Telegram user sends (the Start button): what this bot is and how to
 * choose its model. Text-only: Telegram shows Start by itself, so it is not in the command menu.
 */
export const startCommand: CommandDefinition = {
  name: "start",
  description: "What this bot is and how to use it",
  args: [],
  privileged: never,
  textOnly: true,
  async run(ctx) {
    const sessions = ctx.runtime.sessions(ctx.agentId);
    const effective = await sessions.modelFor(await sessions.get(ctx.sessionKey), ctx.parentKey);
    const canSwitch = canRunPrivilegedCommands(ctx.config, ctx.message);
    const other = allowedModels(ctx.runtime.settings(ctx.agentId).models).find((m) => m.ref !== effective.ref);
    const example = other ? `, e.g. \`/model ${other.alias ?? other.ref}\`` : "";
    const lines = [
      "Hello! I am an AI assistant: write to me as you would to a person and I answer, remembering this conversation until you send /reset.",
      `I answer with ${effective.ref} right now. /model shows the current model and /model list the ones to choose from.`,
      canSwitch ? `To switch, send /model and a name from the list${example}; \`/model default\` goes back to the default.` : "The bot's owner can switch the model with /model.",
      "/help lists every command; /stop stops a reply.",
    ];
    return { text: lines.filter(Boolean).join("\n") };
  },
};

export const statusCommand: CommandDefinition = {
  name: "status",
  description: "Model, profile and usage of this chat",
  args: [],
  privileged: never,
  async run(ctx) {
    const sessions = ctx.runtime.sessions(ctx.agentId);
    const session = await sessions.get(ctx.sessionKey);
    const effective = await sessions.modelFor(session, ctx.parentKey);
    const { provider, model } = parseModelRef(effective.ref);
    const view = await credentialView(ctx, provider, model, session.pinnedProfileId);
    const u = session.usage;
    const lines = [
      `Agent: ${ctx.agentId} · Session: ${ctx.sessionKey}`,
      `Model: ${effective.ref}${effective.source === "agent" ? " (default)" : ""}`,
      `Profile: ${session.pinnedProfileId ? `${session.pinnedProfileId} (pinned)` : view.nextProfileId ?? "none available"}`,
      `History: ${session.history.length} messages`,
      `Usage: ${u.turns} turns · ${u.inputTokens} in · ${u.outputTokens} out · cache ${u.cacheReadTokens} read / ${u.cacheWriteTokens} written`,
      ctx.queue.isBusy(ctx.sessionKey) ? "A reply is being generated (/stop to abort)." : "Idle.",
    ];
    return { text: lines.join("\n"), ephemeral: true };
  },
};

export const resetCommand: CommandDefinition = {
  name: "reset",
  description: "Start a fresh conversation (/reset all also clears the model choice)",
  args: [{ name: "scope", description: "all: also clear the model override and pin", choices: [{ name: "all", value: "all" }] }],
  // clearing history is anyone's; clearing the model choice and pin is a switch (docs/CONFIG.md, access)
  privileged: (args) => args.trim().toLowerCase() === "all",
  argsFromNative: (args) => args.scope ?? "",
  async run(ctx) {
    const all = ctx.args.trim().toLowerCase() === "all";
    await ctx.runtime.sessions(ctx.agentId).reset(ctx.sessionKey, { all });
    return { text: all ? "Fresh start: history cleared, model and pin back to the defaults." : "Fresh start: history cleared (model choice kept)." };
  },
};

export const stopCommand: CommandDefinition = {
  name: "stop",
  description: "Stop the reply being generated",
  args: [],
  privileged: never,
  async run(ctx) {
    const { aborted, dropped } = ctx.queue.stop(ctx.sessionKey);
    if (!aborted && !dropped) return { text: "Nothing to stop.", ephemeral: true };
    const parts = [aborted ? "Stopped." : "Nothing was running."];
    if (dropped) parts.push(`${dropped} queued message${dropped === 1 ? "" : "s"} dropped.`);
    return { text: parts.join(" ") };
  },
};

export const whoamiCommand: CommandDefinition = {
  name: "whoami",
  description: "Your sender id, as allowlists want it",
  args: [],
  privileged: never,
  async run(ctx) {
    const m = ctx.message;
    return {
      text: `You are ${m.senderName ? `${m.senderName} ` : ""}id \`${m.senderId}\` on ${m.channel} (use \`${m.senderId}\` in channels.${m.channel}.allowFrom, or \`${m.channel}:${m.senderId}\` in commands.allowFrom).\nChat: ${m.chatId}${m.topicId ? ` topic ${m.topicId}` : ""} · Session: ${ctx.sessionKey}`,
      ephemeral: true,
    };
  },
};
