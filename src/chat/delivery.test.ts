import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChannelLimits, OutboundMessage } from "../plugin-api.js";
import { ChannelUnavailableError } from "./channel-supervisor.js";
import { INTERRUPTED_NOTE, previewMessage, STOPPED_NOTE, StreamingReply, UNFINISHED_MARK } from "./delivery.js";

const LIMITS: ChannelLimits = { maxMessageLength: 200, canEdit: true, nativeCommands: false, format: "plain" };

/** A channel that records sends and edits; `editFails` makes edits throw. */
function recordingChannel(limits = LIMITS) {
  const calls: { kind: "send" | "edit"; id: string; text: string }[] = [];
  let next = 0;
  const channel = {
    limits,
    editFails: undefined as Error | undefined,
    async send(message: OutboundMessage) {
      const id = String(++next);
      calls.push({ kind: "send", id, text: message.plainText });
      return { messageId: id };
    },
    async edit(id: string, message: OutboundMessage) {
      if (channel.editFails) throw channel.editFails;
      calls.push({ kind: "edit", id, text: message.plainText });
    },
  };
  return { channel, calls };
}

const INTERVAL = 1000;
const sentence = "The answer to the question is coming along nicely";

describe("previewMessage", () => {
  it.each(["plain", "html", "chat-markdown"] as const)("keeps the mark in the first message however long the text (%s)", (format) => {
    const limits = { ...LIMITS, maxMessageLength: 300, format };
    for (const text of ["short", "x".repeat(299), "x".repeat(300), "word ".repeat(500), "**bold** ".repeat(100)]) {
      const preview = previewMessage(text, limits, UNFINISHED_MARK)!;
      expect(preview.plainText.endsWith(UNFINISHED_MARK)).toBe(true);
      // Telegram counts the text after entity parsing; Discord and plain text count what is sent
      expect((format === "html" ? preview.plainText : preview.text).length).toBeLessThanOrEqual(300);
    }
  });

  it("puts the mark on a line of its own after a closing code fence", () => {
    const preview = previewMessage("```\ncode\n```", { ...LIMITS, format: "chat-markdown" }, UNFINISHED_MARK)!;
    expect(preview.text).toMatch(/```\n…$/);
  });
});

describe("StreamingReply", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a reply complete within the first interval once, unedited", async () => {
    const { channel, calls } = recordingChannel();
    const stream = new StreamingReply(channel, { intervalMs: INTERVAL });
    stream.push(sentence);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    await stream.finish(`${sentence}.`);
    expect(calls).toEqual([{ kind: "send", id: "1", text: `${sentence}.` }]);
  });

  it("previews a longer reply after one interval, marked unfinished, then replaces it with the final text", async () => {
    const { channel, calls } = recordingChannel();
    const previews: string[] = [];
    const stream = new StreamingReply(channel, { intervalMs: INTERVAL, onPreview: (id) => void previews.push(id) });
    stream.push(sentence);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    stream.push(" and more");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    await stream.finish(`${sentence} and more. Done.`);
    expect(calls).toEqual([
      { kind: "send", id: "1", text: `${sentence} ${UNFINISHED_MARK}` },
      { kind: "edit", id: "1", text: `${sentence} and more ${UNFINISHED_MARK}` },
      { kind: "edit", id: "1", text: `${sentence} and more. Done.` },
    ]);
    expect(previews).toEqual(["1"]);
  });

  it("keeps the unfinished mark on a preview past the message limit", async () => {
    const { channel, calls } = recordingChannel();
    const stream = new StreamingReply(channel, { intervalMs: INTERVAL });
    stream.push("word ".repeat(100));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    await stream.settle();
    expect(calls).toHaveLength(1);
    expect(calls[0].text.endsWith(UNFINISHED_MARK)).toBe(true);
    expect(calls[0].text.length).toBeLessThanOrEqual(LIMITS.maxMessageLength);
  });

  it("ends a cut-off preview with a note, and sends nothing when no preview was shown", async () => {
    const { channel, calls } = recordingChannel();
    const stream = new StreamingReply(channel, { intervalMs: INTERVAL });
    stream.push(sentence);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(await stream.endWith(INTERRUPTED_NOTE)).toBe(true);
    expect(calls.at(-1)).toEqual({ kind: "edit", id: "1", text: `${sentence}\n${INTERRUPTED_NOTE}` });

    const quiet = recordingChannel();
    const early = new StreamingReply(quiet.channel, { intervalMs: INTERVAL });
    early.push(sentence);
    expect(await early.endWith(STOPPED_NOTE)).toBe(false);
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    expect(quiet.calls).toEqual([]);
  });

  it("edits a preview adopted from an earlier run instead of sending a new message", async () => {
    const { channel, calls } = recordingChannel();
    const stream = new StreamingReply(channel, { intervalMs: INTERVAL, previewId: "41" });
    stream.push(sentence);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    await stream.finish("Final.");
    expect(calls).toEqual([
      { kind: "edit", id: "41", text: `${sentence} ${UNFINISHED_MARK}` },
      { kind: "edit", id: "41", text: "Final." },
    ]);
  });

  it("sends anew when an adopted preview can no longer be edited", async () => {
    const { channel, calls } = recordingChannel();
    channel.editFails = new Error("message can't be edited");
    const stream = new StreamingReply(channel, { intervalMs: INTERVAL, previewId: "41" });
    await stream.finish("Final.");
    expect(calls).toEqual([{ kind: "send", id: "1", text: "Final." }]);
  });

  it("does not send anew while the channel is down", async () => {
    const { channel, calls } = recordingChannel();
    channel.editFails = new ChannelUnavailableError("test");
    const stream = new StreamingReply(channel, { intervalMs: INTERVAL, previewId: "41" });
    await expect(stream.finish("Final.")).rejects.toBeInstanceOf(ChannelUnavailableError);
    expect(calls).toEqual([]);
  });
});
