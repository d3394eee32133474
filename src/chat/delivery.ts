import type { ChannelLimits, OutboundMessage, ReplyButton, SentMessage } from "../plugin-api.js";
import { renderReply } from "./format/render.js";

/** Where one conversation's replies go: a plugin target or a dispatch sink, already bound. */
export interface ReplyChannel {
  limits: ChannelLimits;
  send(message: OutboundMessage): Promise<SentMessage>;
  edit?(messageId: string, message: OutboundMessage): Promise<void>;
  typing?(): Promise<void>;
}

export interface ReplyOptions {
  buttons?: ReplyButton[][];
  ephemeral?: boolean;
}

/** Formats Markdown for the channel, splits it at the channel's limit, and sends every part. */
export async function sendReply(channel: ReplyChannel, markdown: string, options: ReplyOptions = {}): Promise<SentMessage[]> {
  const parts = renderReply(markdown, channel.limits.format, channel.limits.maxMessageLength);
  const sent: SentMessage[] = [];
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    sent.push(await channel.send({ ...parts[i], ephemeral: options.ephemeral, buttons: last ? options.buttons : undefined }));
  }
  return sent;
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

  /** Sends the final text (or an error message) in place of the preview. */
  async finish(markdown: string, options: ReplyOptions = {}): Promise<void> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flushing;
    if (!this.messageId) {
      await sendReply(this.channel, markdown, options);
      return;
    }
    const parts = renderReply(markdown, this.channel.limits.format, this.channel.limits.maxMessageLength);
    if (!parts.length) return;
    await this.channel.edit(this.messageId, { ...parts[0], buttons: parts.length === 1 ? options.buttons : undefined });
    for (let i = 1; i < parts.length; i++) {
      await this.channel.send({ ...parts[i], buttons: i === parts.length - 1 ? options.buttons : undefined });
    }
  }
}
