/**
 * Which inbound message got which outcome, from what the Telegram fake recorded. Pure.
 *
 * A bot message is one Telegram message id; a streamed reply is sent once and edited, so its
 * outcome is its last text. Replies echo the user's text (`echo: <text>`, the Anthropic fake's
 * answer), which ties a reply to its message; error messages do not quote the message, so they
 * are placed by order: one session runs one turn at a time and finishes its reply before the
 * next turn starts, so a chat's bot messages come in the order of its inbound messages.
 */
import type { SentRecord } from "../fakes/telegram/index.js";

export interface BotMessage {
  chatId: number;
  messageId: number;
  /** Plain text as the user last saw it. */
  text: string;
  firstAt: number;
  /** sendMessage + editMessageText calls that made it. */
  writes: number;
}

export interface Inbound {
  chatId: number;
  text: string;
  /** Any id the caller uses to name the message in failures. */
  label: string;
}

export type Outcome = { kind: "reply"; bot: BotMessage } | { kind: "error"; bot: BotMessage } | { kind: "none" };

export interface OutcomeReport<T extends Inbound = Inbound> {
  outcomes: Map<T, Outcome>;
  /** Replies to a message that already had one, replies to unknown text, bot messages out of order or unexplained. */
  problems: string[];
  replies: number;
  errors: number;
  missing: T[];
}

/** What users are told when a turn fails (src/agents/failure-messages.ts, src/auth/messages.ts). */
export const USER_FACING_ERROR =
  /^(Anthropic is overloaded right now|The connection to Anthropic failed|Profile \S+ is rate-limited|Anthropic rejected the (?:API key|token)|Anthropic refused|No available auth profile|Profile \S+ cannot be used)/;

export const ECHO_PREFIX = "echo: ";

/** The bot's messages per chat, each in its final state, in the order they were first sent. */
export function botMessagesByChat(sent: readonly SentRecord[]): Map<number, BotMessage[]> {
  const byKey = new Map<string, BotMessage>();
  for (const record of sent) {
    const key = `${record.chat_id}:${record.message_id}`;
    const existing = byKey.get(key);
    if (existing) {
      existing.text = record.plain_text;
      existing.writes += 1;
    } else {
      byKey.set(key, { chatId: record.chat_id, messageId: record.message_id, text: record.plain_text, firstAt: record.at, writes: 1 });
    }
  }
  const byChat = new Map<number, BotMessage[]>();
  for (const message of byKey.values()) {
    const list = byChat.get(message.chatId) ?? [];
    list.push(message);
    byChat.set(message.chatId, list);
  }
  for (const list of byChat.values()) list.sort((a, b) => a.messageId - b.messageId);
  return byChat;
}

/**
 * Matches every inbound message (in the order it was sent, per chat) with the bot messages of
 * its chat. `isError` says whether a bot message that is no echo is an acceptable error message.
 */
export function matchOutcomes<T extends Inbound>(
  inbound: readonly T[],
  sent: readonly SentRecord[],
  isError: (text: string) => boolean = (t) => USER_FACING_ERROR.test(t),
): OutcomeReport<T> {
  const outcomes = new Map<T, Outcome>();
  const problems: string[] = [];
  const byChat = botMessagesByChat(sent);
  const inboundByChat = new Map<number, T[]>();
  for (const message of inbound) {
    const list = inboundByChat.get(message.chatId) ?? [];
    list.push(message);
    inboundByChat.set(message.chatId, list);
    outcomes.set(message, { kind: "none" });
  }
  for (const [chatId, bots] of byChat) {
    const messages = inboundByChat.get(chatId) ?? [];
    let next = 0;
    for (const bot of bots) {
      if (bot.text.startsWith(ECHO_PREFIX)) {
        // a reply from a fallback model or another kind of credential ends with its notice line (messages.fallbackNotice)
        const echoed = bot.text.slice(ECHO_PREFIX.length).replace(/\n\n\(Answered [^\n]*\)$/, "");
        const index = messages.findIndex((m) => m.text.trim() === echoed.trim());
        if (index < 0) {
          problems.push(`chat ${chatId}: reply to no message sent: ${JSON.stringify(bot.text.slice(0, 80))}`);
          continue;
        }
        const target = messages[index];
        if (outcomes.get(target)!.kind !== "none") {
          problems.push(`chat ${chatId}: ${target.label} answered twice (message ${bot.messageId})`);
          continue;
        }
        if (index < next) problems.push(`chat ${chatId}: reply to ${target.label} came after a later message's outcome`);
        outcomes.set(target, { kind: "reply", bot });
        next = Math.max(next, index + 1);
      } else if (isError(bot.text)) {
        while (next < messages.length && outcomes.get(messages[next])!.kind !== "none") next++;
        if (next >= messages.length) {
          problems.push(`chat ${chatId}: error message with no message left to explain it: ${JSON.stringify(bot.text.slice(0, 120))}`);
          continue;
        }
        outcomes.set(messages[next], { kind: "error", bot });
        next++;
      } else {
        problems.push(`chat ${chatId}: unexpected bot message: ${JSON.stringify(bot.text.slice(0, 160))}`);
      }
    }
  }
  const all = [...outcomes.entries()];
  return {
    outcomes,
    problems,
    replies: all.filter(([, o]) => o.kind === "reply").length,
    errors: all.filter(([, o]) => o.kind === "error").length,
    missing: all.filter(([, o]) => o.kind === "none").map(([m]) => m),
  };
}
