import type { ChannelLimits, OutboundFile, OutboundMessage, ReplyButton, SentMessage } from "../plugin-api.js";
import { renderReply } from "./format/render.js";

/** Where one conversation's replies go: a plugin target or a dispatch sink, already bound. */
export interface ReplyChannel {
  limits: ChannelLimits;
  send(message: OutboundMessage): Promise<SentMessage>;
  edit?(messageId: string, message: OutboundMessage): Promise<void>;
  typing?(): Promise<void>;
  sendFile?(file: OutboundFile): Promise<SentMessage>;
}

export interface ReplyOptions {
  buttons?: ReplyButton[][];
  ephemeral?: boolean;
  /** Checked before every part: `/stop` or a shutdown ends the sending. */
  signal?: AbortSignal;
  /** Most messages a reply becomes (`messages.maxParts`); the rest goes as `reply.md` where the channel takes files. */
  maxParts?: number;
  /** Parts a previous run already delivered (a replayed message): not sent again. */
  skipParts?: number;
  /** Told after each delivered part, with how many are out, so a replay can resume after them. */
  onDelivered?: (delivered: number) => Promise<void> | void;
}

/** What a reply is sent as: messages, then perhaps one file with the rest. */
export interface ReplyPlan {
  messages: OutboundMessage[];
  file?: OutboundFile;
}

const REPLY_FILE_NAME = "reply.md";

/**
 * Formats and splits a reply, and applies `maxParts`: past it, the first `maxParts - 1` parts go
 * as messages and the whole reply as `reply.md` (one document to read or copy, rather than a file
 * that starts mid-sentence). A channel that takes no files gets every part. Pure.
 */
export function planReply(markdown: string, limits: ChannelLimits, options: { maxParts?: number; canSendFile: boolean }): ReplyPlan {
  const parts = renderReply(markdown, limits.format, limits.maxMessageLength);
  const maxParts = Math.max(1, options.maxParts ?? Number.POSITIVE_INFINITY);
  if (parts.length <= maxParts || !options.canSendFile) return { messages: parts };
  const shown = Math.max(0, maxParts - 1);
  return {
    messages: parts.slice(0, shown),
    file: {
      name: REPLY_FILE_NAME,
      content: markdown,
      caption: `The reply is ${parts.length} messages long; the whole of it is in ${REPLY_FILE_NAME}.`,
    },
  };
}

/** Number of items (messages, then the file) a plan sends. */
function planLength(plan: ReplyPlan): number {
  return plan.messages.length + (plan.file ? 1 : 0);
}

/**
 * Sends a plan's items from `first` on, checking `signal` before each. The first item may go as
 * an edit of an existing message (a streamed preview). Returns how many items are out in total.
 */
async function sendPlan(channel: ReplyChannel, plan: ReplyPlan, options: ReplyOptions, first: { editId?: string } = {}): Promise<SentMessage[]> {
  const total = planLength(plan);
  const sent: SentMessage[] = [];
  for (let i = options.skipParts ?? 0; i < total; i++) {
    if (options.signal?.aborted) break;
    const last = i === total - 1;
    if (i < plan.messages.length) {
      const message: OutboundMessage = { ...plan.messages[i], ephemeral: options.ephemeral, buttons: last ? options.buttons : undefined };
      if (i === 0 && first.editId && channel.edit) {
        await channel.edit(first.editId, message);
        sent.push({ messageId: first.editId });
      } else {
        sent.push(await channel.send(message));
      }
    } else {
      sent.push(await channel.sendFile!(plan.file!));
    }
    await options.onDelivered?.(i + 1);
  }
  return sent;
}

/** Formats Markdown for the channel, splits it at the channel's limit, and sends every part. */
export async function sendReply(channel: ReplyChannel, markdown: string, options: ReplyOptions = {}): Promise<SentMessage[]> {
  const plan = planReply(markdown, channel.limits, { maxParts: options.maxParts, canSendFile: Boolean(channel.sendFile) });
  return sendPlan(channel, plan, options);
}

const MIN_FIRST_CHARS = 24;

/**
 * A reply that grows while the model streams: the first part is sent once there is
 * something to show, then edited at most every `intervalMs`; the final text replaces it
 * (split into more messages when it outgrows the limit).
 */
export class StreamingReply {
  private buffer = "";
  private messageId?: string;
  private shown = "";
  private lastFlush = 0;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly channel: ReplyChannel & { edit(messageId: string, message: OutboundMessage): Promise<void> },
    private readonly intervalMs: number,
  ) {}

  push(delta: string): void {
    if (this.finished) return;
    this.buffer += delta;
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flushPreview()).catch(() => undefined);
    }, wait);
  }

  /** The model restarted on another credential: what was streamed is void. */
  restart(): void {
    this.buffer = "";
  }

  private async flushPreview(): Promise<void> {
    if (this.finished) return;
    const text = this.buffer.trim();
    if (!this.messageId && text.length < MIN_FIRST_CHARS) return;
    if (!text) return;
    const limit = this.channel.limits.maxMessageLength;
    const [first] = renderReply(`${text} …`, this.channel.limits.format, limit);
    if (!first || first.text === this.shown) return;
    this.lastFlush = Date.now();
    if (this.messageId) await this.channel.edit(this.messageId, first);
    else this.messageId = (await this.channel.send(first)).messageId;
    this.shown = first.text;
  }

  /** Stops previewing; waits for a preview write already under way. */
  async settle(): Promise<void> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flushing;
  }

  /** Sends the final text (or an error message) in place of the preview. */
  async finish(markdown: string, options: ReplyOptions = {}): Promise<void> {
    await this.settle();
    const plan = planReply(markdown, this.channel.limits, { maxParts: options.maxParts, canSendFile: Boolean(this.channel.sendFile) });
    await sendPlan(this.channel, plan, options, { editId: this.messageId });
  }
}
