/**
 * The chat completions request Baton sends to OpenRouter for a completion. Pure.
 *
 * OpenAI-style: the system prompt is the first message (`role: "system"`); the conversation is
 * normalized like Anthropic's (messages without text or images dropped, consecutive messages of
 * one role joined); images become `image_url` parts with `data:` URLs. Usage is asked for twice:
 * `stream_options.include_usage` (the OpenAI field) and `usage.include` (OpenRouter's), so the
 * final chunk carries the token counts whichever one the endpoint honours.
 */
import type OpenAI from "openai";
import { normalizeConversation } from "../anthropic/params.js";
import { contentText, type ChatTurnMessage, type CompletionRequest, type ContentBlock } from "../types.js";

/** The streamed request body: the SDK's type plus OpenRouter's `usage` switch. */
export type OpenRouterChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming & { usage: { include: true } };

function userPart(block: ContentBlock): OpenAI.Chat.Completions.ChatCompletionContentPart {
  if (block.type === "text") return { type: "text", text: block.text };
  return { type: "image_url", image_url: { url: `data:${block.mediaType};base64,${block.data}` } };
}

function toMessage(message: ChatTurnMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  if (message.role === "assistant") return { role: "assistant", content: contentText(message.content) };
  if (typeof message.content === "string") return { role: "user", content: message.content };
  return { role: "user", content: message.content.map(userPart) };
}

export function buildChatParams(request: CompletionRequest): OpenRouterChatParams {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [];
  if (request.system?.trim()) messages.push({ role: "system", content: request.system });
  for (const message of normalizeConversation(request.messages)) messages.push(toMessage(message));
  return {
    model: request.model,
    messages,
    max_tokens: request.maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    stream: true,
    stream_options: { include_usage: true },
    usage: { include: true },
  };
}
