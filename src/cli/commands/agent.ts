import { Gateway } from "../../chat/gateway.js";
import type { TurnOutcome } from "../../agents/turn.js";
import type { ChannelPlugin, InboundMessage, OutboundMessage } from "../../plugin-api.js";
import { sessionKeysFor } from "../../sessions/keys.js";
import { createLogger } from "../../util/log.js";
import { EXIT, printJson, type CliContext } from "../context.js";
import { runtimeOrReport } from "./load-runtime.js";

/**
 * `baton agent -m TEXT`: one message through the same router the channels use (so chat
 * commands like `/model status` work too); the reply goes to stdout.
 */
export async function run(options: { message: string; session?: string; agent?: string; json?: boolean }, ctx: CliContext): Promise<number> {
  // all channels: the terminal's access rules come from its plugin's declaration
  const runtime = await runtimeOrReport(ctx, { allChannels: true });
  if (!runtime) return EXIT.failure;
  const session = options.session ?? "console:cli";
  const config = options.agent ? { ...runtime.config, bindings: [{ agentId: options.agent, match: { channel: "console" } }, ...(runtime.config.bindings ?? [])] } : runtime.config;
  let turn: { sessionKey: string; agentId: string; outcome: TurnOutcome } | undefined;
  // the reply (or its failure) is this command's output; log lines would only repeat it
  const log = createLogger({ level: config.gateway?.logLevel === "debug" ? "debug" : "error" });
  const gateway = new Gateway({ runtime: { ...runtime, config }, channels: [], log, onTurn: (event) => (turn = event) });
  const replies: string[] = [];
  const capture: ChannelPlugin = {
    id: "console",
    limits: { maxMessageLength: 1_000_000, canEdit: false, nativeCommands: false, format: "plain" },
    start: async () => undefined,
    stop: async () => undefined,
    send: async (_target, message: OutboundMessage) => {
      replies.push(message.plainText);
      return { messageId: String(replies.length) };
    },
  };
  const message: InboundMessage = {
    channel: "console",
    accountId: "default",
    chatKind: "dm",
    chatId: session,
    senderId: "local",
    messageId: `cli-${Date.now()}`,
    text: options.message,
    mentioned: true,
  };
  const result = await gateway.router.handle(capture, message);
  if (result.kind === "queued") await result.done;
  await gateway.agents.close(); // the turn's usage is written before the process exits
  const reply = replies.join("\n");
  const outcome = turn?.outcome;
  const ok = outcome ? outcome.ok : result.kind !== "refused";
  if (options.json) {
    printJson(ctx, {
      ok,
      reply,
      session: sessionKeysFor(message).key,
      ...(turn ? { agentId: turn.agentId } : {}),
      ...(outcome?.ok ? { model: outcome.model, profileId: outcome.profileId, usage: outcome.usage } : {}),
      ...(outcome && !outcome.ok ? { failureClass: outcome.failureClass ?? null } : {}),
    });
  } else {
    (ok ? ctx.stdout : ctx.stderr).write(`${reply}\n`);
  }
  return ok ? EXIT.ok : EXIT.failure;
}
