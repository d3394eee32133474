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
import type { ChatTurnMessage, CompletionRequest } from "../types.js";

/**
 * Make the conversation acceptable to the API: messages without visible text are dropped and
 * consecutive messages of one role (e.g. after a failed turn) are joined with a blank line.
 */
export function normalizeConversation(messages: ChatTurnMessage[]): ChatTurnMessage[] {
  const out: ChatTurnMessage[] = [];
  for (const message of messages) {
    if (message.content.trim() === "") continue;
    const last = out.at(-1);
    if (last && last.role === message.role) {
      out[out.length - 1] = { role: last.role, content: `${last.content}\n\n${message.content}` };
    } else {
      out.push({ role: message.role, content: message.content });
    }
  }
  return out;
}

export function buildMessageParams(request: CompletionRequest): Anthropic.MessageCreateParamsStreaming {
  const ttl = request.cacheControlTtl;
  const cacheControl = ttl ? ({ type: "ephemeral", ttl } as const) : undefined;
  const conversation = normalizeConversation(request.messages);
  const messages: Anthropic.MessageParam[] = conversation.map((message, i) =>
    cacheControl && i === conversation.length - 1
      ? { role: message.role, content: [{ type: "text", text: message.content, cache_control: cacheControl }] }
      : { role: message.role, content: message.content },
  );

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
