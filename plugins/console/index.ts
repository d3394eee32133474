import readline from "node:readline";
import os from "node:os";
import type { ChannelContext, ChannelPlugin, ChannelPluginFactory, OutboundMessage, SentMessage } from "../../src/plugin-api.js";

/** Lines that end the chat, like Ctrl-D: `/quit`, `/exit`, and the bare words (never sent to the model). */
const QUIT_LINES = new Set(["/quit", "/exit", "quit", "exit"]);

/** Is this stdin line a request to leave the chat? */
export function isQuitLine(line: string): boolean {
  return QUIT_LINES.has(line.trim().toLowerCase());
}

/**
 * The terminal as a chat channel: each stdin line is a message from the local user in
 * session `console:<channels.console.session>`; replies are printed to stdout as plain text.
 * `/quit`, `/exit`, `quit` or `exit` end the chat: stdin is closed, which `baton chat` takes
 * as the end of input (replies still under way are printed first).
 */
const createConsolePlugin: ChannelPluginFactory = ({ accountId }) => {
  let rl: readline.Interface | undefined;
  let closed = false;
  let counter = 0;
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const prompt = () => {
    if (interactive && !closed) rl?.prompt();
  };

  const plugin: ChannelPlugin = {
    id: "console",
    limits: { maxMessageLength: 100_000, canEdit: false, nativeCommands: false, format: "plain" },
    async start(ctx: ChannelContext) {
      const session = String(ctx.config.session ?? "main");
      rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive, prompt: "you> " });
      if (interactive) process.stdout.write(`Baton console (session console:${session}). /help for commands, /quit or Ctrl-D to leave.\n`);
      let quitting = false;
      // Ctrl-D at the prompt (readline closes, the TTY does not end) or a quit line: the input is over
      rl.on("close", () => {
        closed = true;
        if (!ctx.signal.aborted) process.stdin.destroy();
      });
      rl.on("line", (line) => {
        if (quitting) return;
        const text = line.trim();
        if (isQuitLine(text)) {
          quitting = true;
          rl?.close();
          return;
        }
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
