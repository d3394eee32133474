import { contentText, type ChatTurnMessage } from "../providers/types.js";

export interface HistoryLimits {
  maxMessages: number;
  maxTokens: number;
}

/** Rough token estimate (4 characters a token), good enough to bound a history window. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Anthropic's cost of an image at its largest (about 1.15 megapixels, w·h/750). */
const IMAGE_TOKENS = 1600;

/** {@link estimateTokens} of a message's content, images counted at their largest. */
export function estimateContentTokens(content: ChatTurnMessage["content"]): number {
  const images = typeof content === "string" ? 0 : content.filter((block) => block.type === "image").length;
  return estimateTokens(contentText(content)) + images * IMAGE_TOKENS;
}

/**
 * The newest messages that fit both limits, starting with a user message so the
 * conversation sent to the provider alternates correctly. The newest message is kept even
 * when it alone is over the token limit: the limits bound the context sent with it, and
 * dropping it would send the provider an empty conversation. Pure.
 */
export function trimHistory<T extends ChatTurnMessage>(history: readonly T[], limits: HistoryLimits): T[] {
  let tokens = 0;
  let start = history.length;
  while (start > 0) {
    const next = history[start - 1];
    const cost = estimateContentTokens(next.content);
    const newest = start === history.length;
    if (!newest && (history.length - start + 1 > limits.maxMessages || tokens + cost > limits.maxTokens)) break;
    tokens += cost;
    start--;
  }
  while (start < history.length && history[start].role !== "user") start++;
  return history.slice(start);
}
