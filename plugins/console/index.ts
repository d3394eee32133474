import readline from "node:readline";
import os from "node:os";
import type { ChannelContext, ChannelPlugin, ChannelPluginFactory, OutboundMessage, SentMessage } from "../../src/plugin-api.js";

/**
 * The terminal as a chat channel: each stdin line is a message from the local user in
 * session `console:<channels.console.session>`; replies are printed to stdout as plain text.
 */
const createConsolePlugin: ChannelPluginFactory = ({ accountId }) => {
  let rl: readline.Interface | undefined;
  let counter = 0;
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const prompt = () => {
    if (interactive) rl?.prompt();
  };

  const plugin: ChannelPlugin = {
    id: "console",
    limits: { maxMessageLength: 100_000, canEdit: false, nativeCommands: false, format: "plain" },
    async start(ctx: ChannelContext) {
      const session = String(ctx.config.session ?? "main");
      rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive, prompt: "you> " });
      if (interactive) process.stdout.write(`Baton console (session console:${session}). /help for commands, Ctrl-D to quit.\n`);
      rl.on("line", (line) => {
        const text = line.trim();
        if (!text) return prompt();
        counter += 1;
        void ctx
          .dispatch({
            channel: "console",
            accountId,
            chatKind: "dm",
            chatId: session,
            senderId: "local",
            senderName: os.userInfo().username,
            messageId: `${Date.now()}-${counter}`,
            text,
            mentioned: true,
            timestamp: Date.now(),
          })
          .catch((err) => ctx.log.error("dispatch failed", { error: String(err) }));
      });
      ctx.signal.addEventListener("abort", () => rl?.close(), { once: true });
      prompt();
    },
    async stop() {
      rl?.close();
    },
    async send(_target, message: OutboundMessage): Promise<SentMessage> {
      process.stdout.write(`${message.plainText}\n`);
      prompt();
      counter += 1;
      return { messageId: `out-${counter}` };
    },
  };
  return plugin;
};

export default createConsolePlugin;
