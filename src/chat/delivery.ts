import type { ChannelLimits, OutboundFile, OutboundMessage, ReplyButton, SentMessage } from "../plugin-api.js";
import { ChannelUnavailableError } from "./channel-supervisor.js";
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
 * Sends a plan's items from `skipParts` on, checking `signal` before each. The first item may go
 * as an edit of an existing message (a streamed preview); when that edit fails (the message is
 * gone, too old to edit) it is sent as a new message instead, unless the channel is down.
 */
async function sendPlan(channel: ReplyChannel, plan: ReplyPlan, options: ReplyOptions, first: { editId?: string } = {}): Promise<SentMessage[]> {
  const total = planLength(plan);
  const sent: SentMessage[] = [];
  for (let i = options.skipParts ?? 0; i < total; i++) {
    if (options.signal?.aborted) break;
    const last = i === total - 1;
    if (i < plan.messages.length) {
      const message: OutboundMessage = { ...plan.messages[i], ephemeral: options.ephemeral, buttons: last ? options.buttons : undefined };
      sent.push(i === 0 && first.editId && channel.edit ? await editOrSend(channel, first.editId, message) : await channel.send(message));
    } else {
      sent.push(await channel.sendFile!(plan.file!));
    }
    await options.onDelivered?.(i + 1);
  }
  return sent;
}

async function editOrSend(channel: ReplyChannel, messageId: string, message: OutboundMessage): Promise<SentMessage> {
  try {
    await channel.edit!(messageId, message);
    return { messageId };
  } catch (err) {
    if (err instanceof ChannelUnavailableError) throw err;
    return channel.send(message);
  }
}

/** Formats Markdown for the channel, splits it at the channel's limit, and sends every part. */
export async function sendReply(channel: ReplyChannel, markdown: string, options: ReplyOptions = {}): Promise<SentMessage[]> {
  const plan = planReply(markdown, channel.limits, { maxParts: options.maxParts, canSendFile: Boolean(channel.sendFile) });
  return sendPlan(channel, plan, options);
}

const MIN_FIRST_CHARS = 24;

/** Ends a preview that is still being written. */
export const UNFINISHED_MARK = "…";
/** Ends a preview whose reply `/stop` cut off. */
export const STOPPED_NOTE = "(stopped)";
/** Ends a preview whose reply a shutdown cut off; the channel offers the message again after the restart. */
export const INTERRUPTED_NOTE = "(interrupted — will answer again after restart)";

/**
 * The first message of `markdown` as the channel shows it, with `mark` (plain text, no markup)
 * after it, all within the channel's limit: the mark is never pushed into a second part.
 * Only the start of a long text is rendered (a preview shows one message). Pure.
 */
export function previewMessage(markdown: string, limits: ChannelLimits, mark: string, separator: " " | "\n" = " "): OutboundMessage | undefined {
  const reserve = mark.length + 2;
  const limit = limits.maxMessageLength - reserve;
  const [first] = renderReply(markdown.slice(0, limit * 2), limits.format, limit);
  if (!first) return undefined;
  // after a closing fence or <pre>, a mark on the same line would reopen or corrupt the block
  const sep = /(```|<\/pre>)\s*$/.test(first.text) ? "\n" : separator;
  return { text: `${first.text}${sep}${mark}`, plainText: `${first.plainText}${sep}${mark}` };
}

export interface StreamingOptions {
  /** Edit at most this often; a reply complete within the first interval is sent once, unedited. */
  intervalMs: number;
  /**
   * A preview sent before for this message (a run cut off by a restart): the reply edits it
   * instead of adding a message; if it cannot be edited any more, a new one is sent.
   */
  previewId?: string;
  /** Told the id of a newly sent preview, before anything else is sent, so a restart can find it. */
  onPreview?: (messageId: string) => Promise<void> | void;
}

/**
 * A reply that grows while the model streams. The first preview waits one interval after the
 * first text (so a short reply goes once, as its final text), then the preview is edited at most
 * every interval, always ending in "…" while unfinished; the final text replaces it (split into
 * more messages when it outgrows the limit).
 */
export class StreamingReply {
  private buffer = "";
  private messageId?: string;
  /** The preview is one a previous run sent (see {@link StreamingOptions.previewId}). */
  private adopted = false;
  private shown = "";
  private firstTextAt?: number;
  private lastFlush = 0;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly channel: ReplyChannel & { edit(messageId: string, message: OutboundMessage): Promise<void> },
    private readonly options: StreamingOptions,
  ) {
    if (options.previewId) {
      this.messageId = options.previewId;
      this.adopted = true;
    }
  }

  /** The preview message on the chat, if one was sent (or adopted). */
  get previewId(): string | undefined {
    return this.messageId;
  }

  push(delta: string): void {
    if (this.finished) return;
    this.buffer += delta;
    const now = Date.now();
    this.firstTextAt ??= now;
    if (this.timer) return;
    const due = Math.max(this.firstTextAt, this.lastFlush) + this.options.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flushPreview()).catch(() => undefined);
    }, Math.max(0, due - now));
  }

  /** The model restarted on another credential: what was streamed is void. */
  restart(): void {
    this.buffer = "";
  }

  private async flushPreview(): Promise<void> {
    if (this.finished) return;
    const text = this.buffer.trim();
    if (!text || (!this.messageId && text.length < MIN_FIRST_CHARS)) return;
    const preview = previewMessage(text, this.channel.limits, UNFINISHED_MARK);
    if (!preview || preview.text === this.shown) return;
    this.lastFlush = Date.now();
    if (this.messageId) {
      try {
        await this.channel.edit(this.messageId, preview);
        this.shown = preview.text;
        return;
      } catch (err) {
        if (!this.adopted || err instanceof ChannelUnavailableError) throw err;
        this.messageId = undefined; // the old preview cannot be edited: a new one follows
      }
    }
    this.messageId = (await this.channel.send(preview)).messageId;
    this.adopted = false;
    this.shown = preview.text;
    await this.options.onPreview?.(this.messageId);
  }

  /** Stops previewing; waits for a preview write already under way. */
  async settle(): Promise<void> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  /** Sends the final text (or an error message) in place of the preview. */
  async finish(markdown: string, options: ReplyOptions = {}): Promise<void> {
    await this.settle();
    const plan = planReply(markdown, this.channel.limits, { maxParts: options.maxParts, canSendFile: Boolean(this.channel.sendFile) });
    await sendPlan(this.channel, plan, options, { editId: this.messageId });
  }

  /**
   * Ends the preview with `note` instead of the final text ({@link STOPPED_NOTE},
   * {@link INTERRUPTED_NOTE}), so it no longer looks unfinished. Nothing is sent when no preview
   * of this run's text is on the chat. True when the preview was edited.
   */
  async endWith(note: string): Promise<boolean> {
    await this.settle();
    const text = this.buffer.trim();
    if (!this.messageId || !this.shown || !text) return false;
    const preview = previewMessage(text, this.channel.limits, note, "\n");
    if (!preview) return false;
    await this.channel.edit(this.messageId, preview);
    return true;
  }
}
