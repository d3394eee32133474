/**
 * Turn Baton's completion request into Messages API parameters. Pure.
 *
 * Prompt caching: with `cacheControlTtl` set, two breakpoints are marked — the system prompt
 * (sent as one text block) and the last block of the newest message. Marking the newest user
 * message, rather than the message before it, caches the whole request: the next turn's
 * breakpoint finds this entry by Anthropic's look-back (20 blocks) and reads everything up to
 * and including this turn, and a retry of the same turn (after an overload) reads it whole.
 * Without a TTL no cache_control is sent, so Anthropic's defaults apply.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { ChatTurnMessage, CompletionRequest, ContentBlock } from "../types.js";

function blocksOf(content: string | ContentBlock[]): ContentBlock[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function isEmpty(content: string | ContentBlock[]): boolean {
  return blocksOf(content).every((block) => block.type === "text" && block.text.trim() === "");
}

/**
 * Make the conversation acceptable to the API: messages without visible text or images are
 * dropped and consecutive messages of one role (e.g. after a failed turn) are joined (texts
 * with a blank line; messages with images keep their blocks in order).
 */
export function normalizeConversation(messages: ChatTurnMessage[]): ChatTurnMessage[] {
  const out: ChatTurnMessage[] = [];
  for (const message of messages) {
    if (isEmpty(message.content)) continue;
    const last = out.at(-1);
    if (last && last.role === message.role) {
      const content =
        typeof last.content === "string" && typeof message.content === "string"
          ? `${last.content}\n\n${message.content}`
          : [...blocksOf(last.content), ...blocksOf(message.content)];
      out[out.length - 1] = { role: last.role, content };
    } else {
      out.push({ role: message.role, content: typeof message.content === "string" ? message.content : [...message.content] });
    }
  }
  return out;
}

function toApiBlock(block: ContentBlock): Anthropic.TextBlockParam | Anthropic.ImageBlockParam {
  if (block.type === "text") return { type: "text", text: block.text };
  return { type: "image", source: { type: "base64", media_type: block.mediaType, data: block.data } };
}

export function buildMessageParams(request: CompletionRequest): Anthropic.MessageCreateParamsStreaming {
  const ttl = request.cacheControlTtl;
  const cacheControl = ttl ? ({ type: "ephemeral", ttl } as const) : undefined;
  const conversation = normalizeConversation(request.messages);
  const messages: Anthropic.MessageParam[] = conversation.map((message, i) => {
    const marked = cacheControl && i === conversation.length - 1;
    if (typeof message.content === "string" && !marked) return { role: message.role, content: message.content };
    const blocks = blocksOf(message.content).map(toApiBlock);
    if (marked) blocks[blocks.length - 1] = { ...blocks[blocks.length - 1], cache_control: cacheControl };
    return { role: message.role, content: blocks };
  });

  const params: Anthropic.MessageCreateParamsStreaming = {
    model: request.model,
    max_tokens: request.maxTokens,
    messages,
    stream: true,
  };
  if (request.system) {
    params.system = cacheControl ? [{ type: "text", text: request.system, cache_control: cacheControl }] : request.system;
  }
  // The SDK's types no longer list `temperature` (deprecated by the API); it is sent only when
  // the model params set it, and the API's answer to it reaches the user like any 400.
  if (request.temperature !== undefined) Object.assign(params, { temperature: request.temperature });
  return params;
}
