/** Public types of the fake OpenRouter API server. */

/** A reply: the text, streamed in `chunks` deltas, waiting `delayMs` before each delta. */
export interface ReplyStep {
  reply: string;
  chunks?: number;
  delayMs?: number;
  /** Reported as `usage.prompt_tokens_details.cached_tokens` (part of `prompt_tokens`). */
  cachedTokens?: number;
  /** End the stream with `[DONE]` alone: no chunk with a `finish_reason`, no usage (some OpenAI-compatible servers do). */
  omitFinish?: boolean;
  times?: number;
}

/** An HTTP error response with OpenRouter's body `{"error":{"code","message","metadata"}}` (code = status). */
export interface ErrorStep {
  error: { status: number; message: string; metadata?: Record<string, unknown> };
  /** Sent as `retry-after` (seconds). */
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
  times?: number;
}

/**
 * 200 and a started stream (with `afterText` streamed), then a chunk carrying `error` and a choice
 * with `finish_reason: "error"`, as OpenRouter sends an error that happens during generation.
 */
export interface MidStreamErrorStep {
  midStreamError: { code: number | string; message: string; metadata?: Record<string, unknown> };
  afterText?: string;
  times?: number;
}

/** Destroy the socket: before any response, or after streaming `afterText`. */
export interface ResetConnectionStep {
  resetConnection: true;
  afterText?: string;
  times?: number;
}

/** Never answer (until the server closes). */
export interface HangStep {
  hang: true;
  times?: number;
}

export type FakeOpenRouterStep = ReplyStep | ErrorStep | MidStreamErrorStep | ResetConnectionStep | HangStep;

export interface RecordedRequest {
  method: string;
  /** Path below the API base, e.g. `/chat/completions`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
  /** The Bearer token the request carried. */
  credential: string | undefined;
}

/** An entry of `GET /models` (the fields Baton reads; OpenRouter sends more). */
export interface FakeModel {
  id: string;
  name?: string;
  /** Unix seconds. */
  created?: number;
  context_length?: number;
  pricing?: { prompt: string; completion: string };
}

export interface FakeOpenRouter {
  /** Base URL to hand to the SDK as `baseURL`, ending in `/api/v1` (no trailing slash). */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Queue behaviours for chat completions made with `credential` (the Bearer token). */
  script(credential: string, ...steps: FakeOpenRouterStep[]): void;
  /** Behaviour for requests with nothing scripted (default: echo the last user message). */
  setDefault(step: FakeOpenRouterStep | undefined): void;
  /** What `GET /models` lists (default: a few well-known models). */
  setModels(models: FakeModel[]): void;
  /** Forget recorded requests, scripts, the default step and the model list. */
  reset(): void;
  /** Stop the server, cutting open connections (including hanging ones). */
  close(): Promise<void>;
}
