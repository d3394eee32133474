import type { FailureClass, ResolvedCredential } from "../auth/types.js";

/** One message of a conversation, as Baton stores it. */
export interface ChatTurnMessage {
  role: "user" | "assistant";
  content: string;
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
