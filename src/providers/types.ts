import type { FailureClass, ResolvedCredential } from "../auth/types.js";

/** Image types every provider Baton talks to accepts (Anthropic: jpeg, png, gif, webp). */
export type ImageMediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";

/** Text in a message with several blocks. */
export interface TextBlock {
  type: "text";
  text: string;
}

/** An image sent with a message: the bytes base64-encoded (no `data:` prefix). */
export interface ImageBlock {
  type: "image";
  mediaType: ImageMediaType;
  /** Base64 of the image bytes. */
  data: string;
}

export type ContentBlock = TextBlock | ImageBlock;

/**
 * One message of a conversation. `content` is plain text, or blocks when the message carries
 * images (only the newest user message does: the stored history keeps a text reference such as
 * `[image: image/jpeg, 123 KB]` instead of the bytes).
 */
export interface ChatTurnMessage {
  role: "user" | "assistant";
  content: string | ContentBlock[];
}

/** The text of a message's content: the string itself, or its text blocks joined by blank lines. */
export function contentText(content: string | readonly ContentBlock[]): string {
  if (typeof content === "string") return content;
  return content
    .filter((block): block is TextBlock => block.type === "text")
    .map((block) => block.text)
    .join("\n\n");
}

export interface CompletionRequest {
  /** Model id without the provider prefix, e.g. "claude-opus-4-5". */
  model: string;
  system?: string;
  messages: ChatTurnMessage[];
  maxTokens: number;
  temperature?: number;
  /** Prompt-cache TTL from the model params; undefined leaves Anthropic's default (no cache_control). */
  cacheControlTtl?: "5m" | "1h";
  signal?: AbortSignal;
  /** Called with each text delta as it streams. */
  onText?: (delta: string) => void;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface CompletionResult {
  text: string;
  usage: Usage;
  stopReason: string | null;
  model: string;
}

/** A failed provider call, already classified (DESIGN.md §4). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly failureClass: FailureClass,
    readonly details: { status?: number; errorType?: string; retryAfterMs?: number; code?: string } = {},
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export interface Provider {
  id: string;
  complete(credential: ResolvedCredential, request: CompletionRequest): Promise<CompletionResult>;
}
