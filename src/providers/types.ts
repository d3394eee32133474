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

/**
 * What the stored history keeps of an image instead of its bytes.
 *
 * @example imageReference({ type: "image", mediaType: "image/jpeg", data }) // "[image: image/jpeg, 123 KB]"
 */
export function imageReference(block: ImageBlock): string {
  const padding = block.data.endsWith("==") ? 2 : block.data.endsWith("=") ? 1 : 0;
  const bytes = Math.max(0, Math.floor((block.data.length * 3) / 4) - padding);
  return `[image: ${block.mediaType}, ${Math.max(1, Math.round(bytes / 1024))} KB]`;
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
  /** Called once when the response starts, with its rate-limit headers (undefined when it reports none). */
  onResponseHeaders?: (rateLimits: RateLimitSnapshot | undefined) => void;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** One provider limit as a response reported it. */
export interface RateLimitWindow {
  limit?: number;
  remaining?: number;
  /** When it is fully replenished (ms since epoch). */
  resetAt?: number;
}

/** A subscription window (Anthropic `anthropic-ratelimit-unified-<name>-*`, e.g. `5h`, `7d`). */
export interface UnifiedRateLimitWindow {
  status?: string;
  resetAt?: number;
  /** Share used, 0..1 (may pass 1). */
  utilization?: number;
}

/** Subscription limits (OAuth / setup-token credentials): `rejected` refuses calls until `resetAt`. */
export interface UnifiedRateLimit {
  /** `allowed`, `allowed_warning` or `rejected`. */
  status?: string;
  resetAt?: number;
  /** Which window decides the status, e.g. `five_hour`, `seven_day`. */
  representativeClaim?: string;
  windows: Record<string, UnifiedRateLimitWindow>;
}

/**
 * What one response said about the credential's rate limits, whatever the provider (Anthropic's
 * `anthropic-ratelimit-*`, OpenAI-style `x-ratelimit-*`). Absent fields were not reported.
 */
export interface RateLimitSnapshot {
  /** When the response headers arrived (ms since epoch): the newest snapshot wins. */
  observedAt: number;
  requests?: RateLimitWindow;
  /** The most restrictive token limit in effect. */
  tokens?: RateLimitWindow;
  inputTokens?: RateLimitWindow;
  outputTokens?: RateLimitWindow;
  unified?: UnifiedRateLimit;
  retryAfterMs?: number;
}

export interface CompletionResult {
  text: string;
  usage: Usage;
  stopReason: string | null;
  model: string;
  /** The response's rate-limit headers, when the provider reports any. */
  rateLimits?: RateLimitSnapshot;
}

/** A failed provider call, already classified (DESIGN.md §4). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly failureClass: FailureClass,
    readonly details: { status?: number; errorType?: string; retryAfterMs?: number; code?: string; rateLimits?: RateLimitSnapshot } = {},
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export interface Provider {
  id: string;
  complete(credential: ResolvedCredential, request: CompletionRequest): Promise<CompletionResult>;
}
